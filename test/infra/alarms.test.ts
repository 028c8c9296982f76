import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../src/routes.ts';
import { defaultChildId, firstProvince, functionId, synthedProvinces } from './synth.ts';

/**
 * What tells the operator (lib/alarms.ts): one encrypted topic, an alarm on each signal the runbook names, every
 * function's errors and throttles covered, every dead-letter queue watched, and a dashboard per province.
 */

const SYNTH_TIMEOUT = 300_000;
beforeAll(() => void synthedProvinces(), SYNTH_TIMEOUT);

const alarmsOf = (resources: Record<string, { Type: string; Properties: any }>) =>
  Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');

describe('the alarms of a province', () => {
  it('go to one topic, encrypted with a key CloudWatch may use, TLS-only, given as an output', () => {
    const { stack, resources, template } = firstProvince();
    const topicId = defaultChildId(stack.alarms.topic);
    const alarms = alarmsOf(resources);
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    expect(resources[topicId]!.Properties.KmsMasterKeyId).toBeDefined();
    const key = Object.values(resources).find(
      (r) => r.Type === 'AWS::KMS::Key' && JSON.stringify(r.Properties.Description).includes('alarm topic'),
    )!;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key.Properties.KeyPolicy)).toContain('cloudwatch.amazonaws.com');
    const policy = Object.values(resources).find((r) => r.Type === 'AWS::SNS::TopicPolicy')!;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('aws:SecureTransport');
    expect(Object.keys(template.findOutputs('*')).some((id) => id.includes('AlarmTopicArn'))).toBe(true);
  });

  it('name the API 5xx, both weekly-run alarms and a dead-letter alarm for each of the four queues', () => {
    const { resources } = firstProvince();
    const names = alarmsOf(resources).map((a) => a.Properties.AlarmName as string);
    for (const name of [
      'Api5xx',
      'WeeklyRunFailed',
      'WeeklyRunMissing',
      'WeeklyScheduleDeadLetters',
      'ImportsDeadLetters',
      'AlertsDeadLetters',
      'ReportMailDeadLetters',
    ]) {
      expect(names, name).toContain(`vaora-quang-ninh-${name}`);
    }
    // A Friday with no run is an alarm too: seven days without a start, missing data counted as none.
    const missing = alarmsOf(resources).find((a) => a.Properties.AlarmName.endsWith('WeeklyRunMissing'))!;
    expect(missing.Properties).toMatchObject({
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 7,
      TreatMissingData: 'breaching',
      Period: 86_400,
    });
  });

  it("cover every function's errors and throttles, each function in exactly one error and one throttle alarm", () => {
    const { stack, resources } = firstProvince();
    const alarms = alarmsOf(resources);
    const watched = (kind: 'Errors' | 'Throttles') =>
      alarms
        .filter((a) =>
          a.Properties.AlarmName.includes(kind === 'Errors' ? 'LambdaErrors' : 'LambdaThrottles'),
        )
        .flatMap((a) =>
          (
            a.Properties.Metrics as {
              MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] } };
            }[]
          )
            .filter((m) => m.MetricStat?.Metric.MetricName === kind)
            .map((m) => JSON.stringify(m.MetricStat!.Metric.Dimensions)),
        );
    for (const kind of ['Errors', 'Throttles'] as const) {
      const functions = watched(kind);
      expect(functions.length, kind).toBe(Object.keys(FUNCTIONS).length);
      expect(new Set(functions).size).toBe(functions.length);
      expect(functions).toContain(
        JSON.stringify([{ Name: 'FunctionName', Value: { Ref: functionId(stack, 'create-checkin') } }]),
      );
    }
  });

  it('come with a dashboard per province', () => {
    for (const { stack, resources } of synthedProvinces().provinces) {
      const dashboards = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
      expect(dashboards).toHaveLength(1);
      expect(dashboards[0]!.Properties.DashboardName).toBe(`vaora-${stack.province.id}`);
    }
  });
});
