import { CfnOutput, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ProvinceAlarms } from './alarms.ts';
import { AlertSending } from './alert-sending.ts';
import { Api } from './api.ts';
import { StaffAuth } from './auth.ts';
import { StaffConsole } from './console.ts';
import { CheckinCounting } from './counting.ts';
import { FunctionCatalogue } from './function-catalogue.ts';
import { GateLinkKey } from './gate-links.ts';
import { ImportJobs } from './imports.ts';
import { PhoneKeys } from './phone-keys.ts';
import { mailIdentity, type ProvinceConfig } from './provinces.ts';
import { ReportMail } from './report-mail.ts';
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
  readonly gateLinks: GateLinkKey;
  readonly auth: StaffAuth;
  readonly console: StaffConsole;
  readonly api: Api;
  readonly functions: FunctionCatalogue;
  readonly imports: ImportJobs;
  readonly weeklyRun: WeeklyRun;
  readonly weeklyReport: WeeklyReportSchedule;
  readonly alarms: ProvinceAlarms;
  readonly alertSending: AlertSending;
  readonly reportMail: ReportMail;
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
    this.gateLinks = new GateLinkKey(this, 'GateLinks', { provinceId: province.id });
    this.imports = new ImportJobs(this, 'Imports', { provinceId: province.id, reports: this.reports.bucket });
    this.auth = new StaffAuth(this, 'Auth', { provinceName: province.name });
    // The API exists before the functions: its URL is their default PUBLIC_BASE_URL.
    this.api = new Api(this, 'Api', { provinceId: province.id, throttle: province.throttle });
    // The alert queue exists before the functions: approving enqueues into it (binding alerts:enqueue).
    this.alertSending = new AlertSending(this, 'AlertSending', {
      provinceId: province.id,
      ...(province.alertSms ? { smsPoolId: province.alertSms.poolId } : {}),
    });
    this.reportMail = new ReportMail(this, 'ReportMail');
    // The console (its own origin, managed login) before the routes and the mailer: its app client joins the authorizer's audience, and the
    // report e-mails link into it.
    this.console = new StaffConsole(this, 'Console', {
      provinceId: province.id,
      userPool: this.auth.userPool,
      httpApi: this.api.httpApi,
      accessLogs: this.reports.accessLogs,
    });
    this.auth.acceptClient(this.console.client);
    this.imports.allowUploadsFrom(this.console.origin);
    const publicBaseUrl = province.publicBaseUrl ?? this.api.url;
    this.functions = new FunctionCatalogue(this, 'Functions', {
      province,
      tables: this.tables,
      reports: this.reports.bucket,
      phones: this.phoneKeys,
      imports: this.imports,
      alerts: { queue: this.alertSending.queue, smsPoolArn: this.alertSending.smsPoolArn },
      publicBaseUrl,
      userPool: this.auth.userPool,
      gate: { key: this.gateLinks.key },
      mail: {
        queue: this.reportMail.queue,
        ...(province.reportMail
          ? {
              sender: {
                identityArn: this.formatArn({
                  service: 'ses',
                  resource: 'identity',
                  resourceName: mailIdentity(province.reportMail),
                }),
                from: province.reportMail.from,
              },
            }
          : {}),
        consoleUrl: province.consoleUrl ?? this.console.url,
      },
    });
    this.reportMail.consumeWith(this.functions.byName['send-report-mail']);
    this.api.addRoutes(this.functions.byName, this.auth.authorizer);
    this.imports.connect(this.functions.byName['process-import']);
    this.alertSending.attachConsumer(this.functions.byName['send-alert-batch']);
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

    this.alarms = new ProvinceAlarms(this, 'Alarms', {
      provinceId: province.id,
      httpApi: this.api.httpApi,
      functions: this.functions.byName,
      weeklyRun: this.weeklyRun.stateMachine,
      deadLetterQueues: {
        WeeklySchedule: this.weeklyReport.deadLetterQueue,
        Imports: this.imports.deadLetterQueue,
        Alerts: this.alertSending.deadLetterQueue,
        ReportMail: this.reportMail.deadLetterQueue,
      },
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'HTTP API base URL' });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.auth.client.userPoolClientId });
    new CfnOutput(this, 'ConsoleUrl', { value: this.console.url, description: 'Staff console' });
    new CfnOutput(this, 'ConsoleLoginDomain', { value: this.console.domain.baseUrl() });
    new CfnOutput(this, 'ConsoleClientId', { value: this.console.client.userPoolClientId });
    new CfnOutput(this, 'ReportsBucketName', { value: this.reports.bucket.bucketName });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.weeklyReport.deadLetterQueue.queueUrl,
      description: 'Failed weekly report runs',
    });
    new CfnOutput(this, 'ImportDeadLetterQueueUrl', {
      value: this.imports.deadLetterQueue.queueUrl,
      description: 'Import jobs whose messages kept failing',
    });
    new CfnOutput(this, 'AlertDeadLetterQueueUrl', {
      value: this.alertSending.deadLetterQueue.queueUrl,
      description: 'Exposure alert batches that could not be sent (redrive them once the cause is fixed)',
    });
    new CfnOutput(this, 'ReportMailDeadLetterQueueUrl', {
      value: this.reportMail.deadLetterQueue.queueUrl,
      description: 'Report e-mail notices not delivered after their retries',
    });
  }
}
