import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  DefinitionBody,
  Errors,
  JsonPath,
  LogLevel,
  Map as MapState,
  Pass,
  StateMachine,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { WEEKLY_RUNNER_ENV } from '../src/config.ts';
import { acknowledgeWildcardResource } from './compliance.ts';

/**
 * Units of one level reported at once. A level is at most a province's communes (Hanoi's 579 before 2025, 126
 * since): an inline Map, which keeps every iteration in the one execution's history (25,000 events; a unit costs
 * about 7), fits them with room to spare, and needs no child executions, S3 item reader or result writer.
 * A Distributed Map would be the choice past about 3,000 units in a level.
 */
export const UNIT_MAX_CONCURRENCY = 10;

export interface WeeklyRunProps {
  provinceId: string;
  /** functions/weekly-run-plan.ts: the run recorded, the unit tree as levels, deepest first. */
  plan: LambdaFunction;
  /** functions/weekly-run-unit.ts: one unit's reports and summary. */
  unit: LambdaFunction;
  /** functions/weekly-run-finish.ts: `{status, units, failed}` stored under the run id. */
  finish: LambdaFunction;
  /** functions/run-weekly-report.ts: POST /v1/reports/weekly starts executions. */
  starter: LambdaFunction;
}

/**
 * The Friday run as a state machine: a plan task lists the unit tree as levels (deepest first); a Map over the
 * levels, one at a time, runs a Map over each level's units (the per-unit task, retried with backoff, its Catch
 * letting the other units go on); a finish task records which units were reported. The execution's name is the
 * run's id. The schedule (lib/schedule.ts) and POST /v1/reports/weekly both start it.
 */
export class WeeklyRun extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: WeeklyRunProps) {
    super(scope, id);

    const plan = new LambdaInvoke(this, 'Plan', {
      lambdaFunction: props.plan,
      payload: TaskInput.fromObject({ runId: JsonPath.executionName, request: JsonPath.entirePayload }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    });
    plan.addRetry({ errors: [Errors.ALL], maxAttempts: 3, interval: Duration.seconds(5), backoffRate: 2 });

    const reportUnit = new LambdaInvoke(this, 'ReportUnit', {
      lambdaFunction: props.unit,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: JsonPath.DISCARD,
    });
    // A missing child summary will not appear by retrying: the child failed. Anything else (a throttle, a
    // timeout) gets three more tries, 10 s, 20 s, 40 s apart.
    reportUnit.addRetry({ errors: ['ChildSummaryMissingError'], maxAttempts: 0 });
    reportUnit.addRetry({
      errors: [Errors.ALL],
      maxAttempts: 3,
      interval: Duration.seconds(10),
      backoffRate: 2,
    });
    reportUnit.addCatch(new Pass(this, 'UnitFailed'), { resultPath: '$.error' });

    const units = new MapState(this, 'Units', {
      itemsPath: JsonPath.stringAt('$.units'),
      maxConcurrency: UNIT_MAX_CONCURRENCY,
      itemSelector: {
        unitId: JsonPath.stringAt('$$.Map.Item.Value.unitId'),
        label: JsonPath.stringAt('$$.Map.Item.Value.label'),
        period: JsonPath.objectAt('$.period'),
        runStartedAt: JsonPath.stringAt('$.runStartedAt'),
        force: JsonPath.objectAt('$.force'),
      },
      resultPath: JsonPath.DISCARD,
    });
    units.itemProcessor(reportUnit);

    // One level at a time, deepest first: a unit's task reads its children's summaries.
    const levels = new MapState(this, 'Levels', {
      itemsPath: JsonPath.stringAt('$.levels'),
      maxConcurrency: 1,
      itemSelector: {
        units: JsonPath.objectAt('$$.Map.Item.Value'),
        period: JsonPath.objectAt('$.period'),
        runStartedAt: JsonPath.stringAt('$.startedAt'),
        force: JsonPath.objectAt('$.force'),
      },
      resultPath: JsonPath.DISCARD,
    });
    levels.itemProcessor(units);

    const finish = new LambdaInvoke(this, 'Finish', {
      lambdaFunction: props.finish,
      payload: TaskInput.fromObject({ runId: JsonPath.executionName }),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    });
    finish.addRetry({ errors: [Errors.ALL], maxAttempts: 3, interval: Duration.seconds(5), backoffRate: 2 });
    // Whatever stops the plan or the levels, the run is still recorded (as failed), never left running.
    plan.addCatch(finish, { resultPath: JsonPath.DISCARD });
    levels.addCatch(finish, { resultPath: JsonPath.DISCARD });

    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment: `vaora ${props.provinceId}: the weekly report run, unit by unit`,
      definitionBody: DefinitionBody.fromChainable(plan.next(levels).next(finish)),
      timeout: Duration.hours(3),
      tracingEnabled: true,
      // Execution data stays out of the logs: the states' names and outcomes are enough, and it keeps the
      // logs free of anything a future input might carry.
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });

    const role = this.stateMachine.role;
    for (const fn of [props.plan, props.unit, props.finish]) {
      acknowledgeWildcardResource(
        role,
        `${fn.functionArn}:*`,
        "lambda:InvokeFunction (LambdaInvoke's grant) also covers the task function's own qualified ARNs " +
          '(versions, aliases): the wildcard never reaches beyond that one function.',
      );
    }
    acknowledgeWildcardResource(
      role,
      '*',
      'Step Functions logging (logs:CreateLogDelivery and the other log-delivery actions) and X-Ray ' +
        '(xray:PutTraceSegments, PutTelemetryRecords, GetSampling*) accept only Resource "*".',
    );

    this.stateMachine.grantStartExecution(props.starter);
    props.starter.addEnvironment(WEEKLY_RUNNER_ENV, this.stateMachine.stateMachineArn);
  }
}
