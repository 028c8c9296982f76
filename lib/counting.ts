import { Aws, Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { acknowledgeWildcardResource } from './compliance.ts';

/**
 * How often the counting function runs: a busy checkpoint-day is counted at most this late, a quiet one within
 * COUNT_BATCHING's 5 minutes more (src/core/counting.ts).
 */
export const COUNTING_RATE_MINUTES = 1;

/**
 * EventBridge Scheduler invokes the counting function (functions/count-checkins.ts) every minute: it reads the
 * check-ins table's stream from where the last run stopped and adds the new check-ins to the daily counters,
 * exactly once (src/core/counting.ts). A missed or failed invocation is made up by the next one, which starts where
 * the positions say; the stream keeps records 24 hours.
 */
export class CheckinCounting extends Construct {
  readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: { fn: IFunction; provinceId: string }) {
    super(scope, id);
    // Our own role: it may invoke this one function, nothing else.
    const role = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: invoke the check-in counting function',
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: `vaora ${props.provinceId}: count check-ins from the stream`,
      schedule: ScheduleExpression.rate(Duration.minutes(COUNTING_RATE_MINUTES)),
      // The next invocation is a minute away and starts where this one would have: no retries, no queue.
      target: new LambdaInvoke(props.fn, { retryAttempts: 0, maxEventAge: Duration.minutes(1), role }),
    });
    acknowledgeWildcardResource(
      role,
      `${props.fn.functionArn}:*`,
      "lambda:InvokeFunction (LambdaInvoke's grant) also covers the function's own qualified ARNs (versions, " +
        'aliases): the wildcard never reaches beyond that one function.',
    );
  }
}
