import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api } from './api.ts';
import { StaffAuth } from './auth.ts';
import { CheckinCounting } from './counting.ts';
import { FunctionCatalogue } from './function-catalogue.ts';
import { PhoneKeys } from './phone-keys.ts';
import type { ProvinceConfig } from './provinces.ts';
import { ReportsBucket } from './reports-bucket.ts';
import { WeeklyReportSchedule } from './schedule.ts';
import { Tables } from './tables.ts';
import { WeeklyRun } from './weekly-run.ts';

export interface ProvinceStackProps extends StackProps {
  province: ProvinceConfig;
}

/**
 * Everything one province runs on: its tables, report bucket, phone key and hash secret, staff user pool, HTTP
 * API, the functions of src/routes.ts FUNCTIONS and the weekly report schedule. Provinces share nothing.
 */
export class ProvinceStack extends Stack {
  readonly province: ProvinceConfig;
  readonly tables: Tables;
  readonly reports: ReportsBucket;
  readonly phoneKeys: PhoneKeys;
  readonly auth: StaffAuth;
  readonly api: Api;
  readonly functions: FunctionCatalogue;
  readonly weeklyRun: WeeklyRun;
  readonly weeklyReport: WeeklyReportSchedule;
  readonly counting: CheckinCounting;

  constructor(scope: Construct, id: string, props: ProvinceStackProps) {
    const { province } = props;
    super(scope, id, { description: `vaora QR check-in, ${province.name} (${province.id})`, ...props });
    this.province = province;
    Tags.of(this).add('vaora:province', province.id);
    // The per-function findings are acknowledged (lib/vaora-function.ts); the deadline is shown once per stack.

    this.tables = new Tables(this, 'Tables');
    this.reports = new ReportsBucket(this, 'Reports');
    this.phoneKeys = new PhoneKeys(this, 'PhoneKeys', { provinceId: province.id });
    this.auth = new StaffAuth(this, 'Auth', { provinceName: province.name });
    // The API exists before the functions: its URL is their default PUBLIC_BASE_URL.
    this.api = new Api(this, 'Api', { provinceId: province.id, throttle: province.throttle });
    this.functions = new FunctionCatalogue(this, 'Functions', {
      province,
      tables: this.tables,
      reports: this.reports.bucket,
      phones: this.phoneKeys,
      publicBaseUrl: province.publicBaseUrl ?? this.api.url,
    });
    this.api.addRoutes(this.functions.byName, this.auth.authorizer);
    this.counting = new CheckinCounting(this, 'Counting', {
      fn: this.functions.byName['count-checkins'],
      provinceId: province.id,
    });
    this.weeklyRun = new WeeklyRun(this, 'WeeklyRun', {
      provinceId: province.id,
      plan: this.functions.byName['weekly-run-plan'],
      unit: this.functions.byName['weekly-run-unit'],
      finish: this.functions.byName['weekly-run-finish'],
      starter: this.functions.byName['run-weekly-report'],
    });
    this.weeklyReport = new WeeklyReportSchedule(this, 'WeeklyReport', {
      stateMachine: this.weeklyRun.stateMachine,
      provinceId: province.id,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'HTTP API base URL' });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.auth.client.userPoolClientId });
    new CfnOutput(this, 'ReportsBucketName', { value: this.reports.bucket.bucketName });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.weeklyReport.deadLetterQueue.queueUrl,
      description: 'Failed weekly report runs',
    });
  }
}
