import { CfnOutput, Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { metricsNamespace } from './vaora-function.ts';

export interface ProvinceAlarmsProps {
  provinceId: string;
  httpApi: HttpApi;
  functions: Record<string, IFunction>;
  weeklyRun: StateMachine;
  /** Every dead-letter queue of the stack, by what it holds. */
  deadLetterQueues: Record<string, IQueue>;
}

/** One period for every alarm: five minutes, the finest that standard Lambda and API Gateway metrics give. */
const PERIOD = Duration.minutes(5);

/**
 * What an operator is told at 3 a.m., through one SNS topic the operator subscribes to (output `AlarmTopicArn`):
 * the API answering 5xx, Lambda errors or throttles in any function, a dead-letter queue holding messages, and a
 * Friday run that failed or did not run. And one dashboard per province with the same signals. README "Runbook"
 * says what each alarm means and what to do.
 */
export class ProvinceAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ProvinceAlarmsProps) {
    super(scope, id);
    // Encrypted with a key of its own: CloudWatch may use it to publish (the AWS-managed SNS key admits no service).
    const key = new Key(this, 'TopicKey', {
      description: `vaora ${props.provinceId}: the alarm topic's messages`,
      enableKeyRotation: true,
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Topic', {
      displayName: `vaora ${props.provinceId} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    const action = new SnsAction(this.topic);
    const alarm = (name: string, metric: IMetric, threshold: number, description: string) => {
      const made = new Alarm(this, name, {
        alarmName: `vaora-${props.provinceId}-${name}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      made.addAlarmAction(action);
      this.alarms.push(made);
      return made;
    };

    const api5xx = props.httpApi.metricServerError({ period: PERIOD, statistic: 'Sum' });
    alarm(
      'Api5xx',
      api5xx,
      5,
      'The API answered 5xx five times or more in 5 minutes: see the runbook, "Api5xx".',
    );

    // Errors and throttles of every function, summed (an alarm takes at most 10 metrics: groups of 10).
    const fns = Object.entries(props.functions).sort(([a], [b]) => a.localeCompare(b));
    const groups: [string, IFunction][][] = [];
    for (let i = 0; i < fns.length; i += 10) groups.push(fns.slice(i, i + 10));
    // Ids unique across a dashboard graph that shows several groups at once.
    const sumOf = (kind: 'Errors' | 'Throttles', group: [string, IFunction][]) => {
      const id = (i: number) => `${kind === 'Errors' ? 'e' : 't'}${groups.indexOf(group)}x${i}`;
      return new MathExpression({
        expression: group.map((_, i) => id(i)).join(' + '),
        usingMetrics: Object.fromEntries(
          group.map(([, fn], i) => [
            id(i),
            kind === 'Errors'
              ? fn.metricErrors({ period: PERIOD, statistic: 'Sum' })
              : fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
          ]),
        ),
        label: `${kind}: ${group.map(([name]) => name).join(', ')}`,
        period: PERIOD,
      });
    };
    groups.forEach((group, i) => {
      alarm(
        `LambdaErrors${i + 1}`,
        sumOf('Errors', group),
        1,
        `A function failed (${group.map(([name]) => name).join(', ')}): see the runbook, "LambdaErrors".`,
      );
      alarm(
        `LambdaThrottles${i + 1}`,
        sumOf('Throttles', group),
        1,
        `A function was throttled (${group.map(([name]) => name).join(', ')}): see the runbook, "LambdaThrottles".`,
      );
    });

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name}DeadLetters`,
        queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        1,
        `Messages wait in the ${name} dead-letter queue: see the runbook, "DeadLetters".`,
      );
    }

    const runsFailed = props.weeklyRun.metricFailed({ period: PERIOD, statistic: 'Sum' });
    alarm('WeeklyRunFailed', runsFailed, 1, 'A weekly run failed: see the runbook, "WeeklyRunFailed".');
    // Fridays 15:00 local: no run started over the last 7 days means the schedule did not start one.
    const weekly = new Alarm(this, 'WeeklyRunMissing', {
      alarmName: `vaora-${props.provinceId}-WeeklyRunMissing`,
      alarmDescription: 'No weekly run started in 7 days: see the runbook, "WeeklyRunMissing".',
      metric: props.weeklyRun.metricStarted({ period: Duration.days(1), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 7,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
    });
    weekly.addAlarmAction(action);
    this.alarms.push(weekly);

    // The functions' own EMF metrics (src/adapters/powertools.ts METRIC), each function its own `service`: every
    // series of a metric, found by name in the province's namespace.
    const namespace = metricsNamespace(props.provinceId);
    const emf = (name: string, dimensions: string[], statistic: string, period: Duration) =>
      new MathExpression({
        expression: `SEARCH('{${[namespace, ...dimensions].join(',')}} MetricName="${name}"', '${statistic}', ${period.toSeconds()})`,
        label: name,
        period,
        usingMetrics: {},
      });
    const checkins = props.functions['create-checkin'];
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `vaora-${props.provinceId}`,
      widgets: [
        [
          new TextWidget({
            markdown: `# vaora ${props.provinceId}\nAlarms go to the topic of output AlarmTopicArn.`,
            width: 24,
            height: 2,
          }),
        ],
        [
          new GraphWidget({
            title: 'API requests and errors',
            left: [
              props.httpApi.metricCount({ period: PERIOD, statistic: 'Sum' }),
              props.httpApi.metricClientError({ period: PERIOD, statistic: 'Sum' }),
              api5xx,
            ],
            width: 12,
          }),
          new GraphWidget({
            title: 'Check-ins: invocations, errors, duration p99',
            left: checkins
              ? [checkins.metricInvocations({ period: PERIOD }), checkins.metricErrors({ period: PERIOD })]
              : [],
            right: checkins ? [checkins.metricDuration({ period: PERIOD, statistic: 'p99' })] : [],
            width: 12,
          }),
        ],
        [
          new GraphWidget({ title: 'Lambda errors', left: groups.map((g) => sumOf('Errors', g)), width: 12 }),
          new GraphWidget({
            title: 'Lambda throttles',
            left: groups.map((g) => sumOf('Throttles', g)),
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Check-ins stored, duplicate, assisted (all check-in functions)',
            left: ['CheckinsStored', 'CheckinsDuplicate', 'CheckinsAssisted'].map((name) =>
              emf(name, ['service'], 'Sum', PERIOD),
            ),
            width: 12,
          }),
          new GraphWidget({
            title: 'Check-ins rejected, by reason',
            left: [emf('CheckinsRejected', ['service', 'reason'], 'Sum', PERIOD)],
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Weekly run: time (ms) and units failed',
            left: [emf('WeeklyRunTime', ['service'], 'Maximum', Duration.hours(1))],
            right: [emf('WeeklyRunUnitsFailed', ['service'], 'Maximum', Duration.hours(1))],
            width: 24,
          }),
        ],
        [
          new GraphWidget({
            title: 'Weekly runs',
            left: [
              props.weeklyRun.metricStarted({ period: Duration.hours(1) }),
              props.weeklyRun.metricFailed({ period: Duration.hours(1) }),
            ],
            width: 12,
          }),
          new GraphWidget({
            title: 'Dead-letter queues',
            left: Object.values(props.deadLetterQueues).map((q) =>
              q.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
            ),
            width: 12,
          }),
        ],
      ],
    });

    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.topic.topicArn,
      description: 'Subscribe the operator here (e-mail or SMS): every alarm of the province',
    });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboardName });
  }
}
