import { Aws, Duration, TimeZone, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from './compliance.ts';

/** Friday 15:00 Vietnam time: the week's report is ready before the weekend briefing. */
export const WEEKLY_REPORT_CRON = { minute: '0', hour: '15', weekDay: 'FRI' } as const;
export const WEEKLY_REPORT_TIME_ZONE = TimeZone.ASIA_HO_CHI_MINH;

/**
 * EventBridge Scheduler runs `scheduled-weekly-report` weekly. Failures land in one encrypted, TLS-only
 * queue from both hops: the scheduler's own (it could not invoke the function, after its retries) and the
 * function's (Scheduler invokes Lambda asynchronously, so a failing run is retried by Lambda and then sent
 * to the on-failure destination with the error).
 */
export class WeeklyReportSchedule extends Construct {
  readonly schedule: Schedule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: { fn: IFunction; provinceId: string }) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the weekly-report schedule and the on-failure ' +
        'destination of its function; cdk-nag only recognises SQS redrive policies and Lambda DeadLetterConfig.',
    });

    props.fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new SqsDestination(this.deadLetterQueue),
    });

    // Our own role (instead of the stack-wide one LambdaInvoke would create), so that the acknowledgement
    // below is scoped to this schedule alone.
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: invoke the weekly report function, send failures to its DLQ',
    });

    this.schedule = new Schedule(this, 'Schedule', {
      description: `vaora ${props.provinceId}: weekly report, Friday 15:00 Asia/Ho_Chi_Minh`,
      schedule: ScheduleExpression.cron({ ...WEEKLY_REPORT_CRON, timeZone: WEEKLY_REPORT_TIME_ZONE }),
      target: new LambdaInvoke(props.fn, {
        // For the handler: the scheduled time, unlike the invocation time, still names the right week when a
        // retry runs late. (functions/scheduled-weekly-report.ts currently derives the period from its clock.)
        input: ScheduleTargetInput.fromObject({
          source: 'vaora.weekly-report-schedule',
          scheduledTime: ContextAttribute.scheduledTime,
        }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(2),
        deadLetterQueue: this.deadLetterQueue,
        role,
      }),
    });
    acknowledgeWildcardResource(
      role,
      `${props.fn.functionArn}:*`,
      "lambda:InvokeFunction (granted by Function.grantInvoke) also covers the function's own qualified ARNs " +
        '(versions, aliases): the wildcard never reaches beyond this one function.',
    );
  }
}
