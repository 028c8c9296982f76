import { Aws, Duration, TimeZone, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ContextAttribute,
  Schedule,
  ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** Friday 15:00 Vietnam time: the week's report is ready before the weekend briefing. */
export const WEEKLY_REPORT_CRON = { minute: '0', hour: '15', weekDay: 'FRI' } as const;
export const WEEKLY_REPORT_TIME_ZONE = TimeZone.ASIA_HO_CHI_MINH;

/**
 * EventBridge Scheduler starts the weekly-run state machine (lib/weekly-run.ts) weekly. When it cannot start
 * an execution, after its retries, the event lands in one encrypted, TLS-only dead-letter queue. Failures
 * inside the run are the state machine's: retried per unit, caught per unit, recorded in the run's record.
 */
export class WeeklyReportSchedule extends Construct {
  readonly schedule: Schedule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: { stateMachine: IStateMachine; provinceId: string }) {
    super(scope, id);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the weekly-report schedule; cdk-nag only recognises SQS ' +
        'redrive policies and Lambda DeadLetterConfig.',
    });

    // Our own role (instead of the stack-wide one the target would create): it may start this one state
    // machine and send to this one queue, nothing else (test/infra asserts it).
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: start the weekly run state machine, send failures to its DLQ',
    });

    this.schedule = new Schedule(this, 'Schedule', {
      description: `vaora ${props.provinceId}: weekly report, Friday 15:00 Asia/Ho_Chi_Minh`,
      schedule: ScheduleExpression.cron({ ...WEEKLY_REPORT_CRON, timeZone: WEEKLY_REPORT_TIME_ZONE }),
      target: new StepFunctionsStartExecution(props.stateMachine, {
        // For the plan task: the scheduled time, unlike the start time, still names the right week when a retry
        // runs late (functions/weekly-run-plan.ts).
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
  }
}
