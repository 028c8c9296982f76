import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALERT_CONSUMER } from '../../lib/alert-sending.ts';
import { ALERT_SENDING_ENV } from '../../src/config.ts';
import { TIMEOUT_SECONDS_OF_CONSUMER } from '../../src/routes.ts';
import {
  type BuiltApp,
  buildApp,
  CDK_JSON_CONTEXT,
  defaultChildId,
  functionId,
  getAtt,
  grantsOfFunction,
  type SynthedProvince,
} from './synth.ts';

/**
 * The alert queue, its dead-letter queue and consumer, in a province whose cdk.json entry names its End User
 * Messaging SMS pool (cdk.json itself names none: see province-stack.test.ts for that case).
 */

const SYNTH_TIMEOUT = 300_000;
const POOL = 'pool-0123456789abcdef0123456789abcdef';

let built: BuiltApp;
let province: SynthedProvince;
beforeAll(() => {
  const provinces = (CDK_JSON_CONTEXT.provinces as { id: string }[]).map((p) =>
    p.id === 'quang-ninh' ? { ...p, alertSms: { poolId: POOL } } : p,
  );
  built = buildApp({ provinces });
  const stack = built.stacks.find((s) => s.province.id === 'quang-ninh')!;
  const template = Template.fromStack(stack);
  province = { stack, template, resources: template.toJSON().Resources };
}, SYNTH_TIMEOUT);

describe('alert queue', () => {
  it('redrives a batch to the dead-letter queue after five deliveries, holding it while a consumer works', () => {
    const { stack, resources } = province;
    const queue = resources[defaultChildId(stack.alertSending.queue)]!.Properties;
    expect(queue).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * TIMEOUT_SECONDS_OF_CONSUMER,
      MessageRetentionPeriod: 4 * 86_400,
      RedrivePolicy: {
        deadLetterTargetArn: getAtt(defaultChildId(stack.alertSending.deadLetterQueue)),
        maxReceiveCount: 5,
      },
    });
    const dlq = resources[defaultChildId(stack.alertSending.deadLetterQueue)]!.Properties;
    expect(dlq).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
  });

  it('feeds the consumer one batch at a time, five at once, reporting failed items alone', () => {
    const { stack, template } = province;
    // One mapping reads the alert queue, and it feeds the consumer (the import jobs' queue has its own).
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter(
      (r) =>
        JSON.stringify(r.Properties.EventSourceArn) ===
        JSON.stringify(getAtt(defaultChildId(stack.alertSending.queue))),
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({
      FunctionName: { Ref: functionId(stack, 'send-alert-batch') },
      BatchSize: ALERT_CONSUMER.batchSize,
      ScalingConfig: { MaximumConcurrency: ALERT_CONSUMER.maxConcurrency },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect([ALERT_CONSUMER.batchSize, ALERT_CONSUMER.maxConcurrency]).toEqual([1, 5]);
  });
});

describe('the consumer with an SMS pool', () => {
  it('may send texts from that pool only, and knows it as its origination identity', () => {
    const { stack, resources } = province;
    const sms = grantsOfFunction(province, 'send-alert-batch').filter((g) =>
      g.action.startsWith('sms-voice:'),
    );
    const poolArn = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':sms-voice:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          `:pool/${POOL}`,
        ],
      ],
    };
    expect(sms).toEqual([{ action: 'sms-voice:SendTextMessage', resource: JSON.stringify(poolArn) }]);
    const vars = resources[functionId(stack, 'send-alert-batch')]!.Properties.Environment.Variables;
    expect(vars[ALERT_SENDING_ENV.smsOriginationIdentity]).toEqual(poolArn);
    expect(vars[ALERT_SENDING_ENV.queue]).toBeUndefined();
  });

  it('is the only function that may send a text', () => {
    const senders = Object.keys(province.stack.functions.byName).filter((name) =>
      grantsOfFunction(province, name as 'send-alert-batch').some((g) => g.action.startsWith('sms-voice:')),
    );
    expect(senders).toEqual(['send-alert-batch']);
  });

  it('leaves a province without a pool warned at synth and without any SMS grant', () => {
    const other = built.stacks.find((s) => s.province.id === 'vinh-phuc')!;
    const warnings = other.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === 'aws:cdk:warning')
      .map((m) => String(m.data));
    expect(warnings.some((w) => w.includes('alertSms.poolId'))).toBe(true);
    const mine = province.stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === 'aws:cdk:warning' && String(m.data).includes('alertSms.poolId'));
    expect(mine).toEqual([]);
  });
});

describe('compliance with an SMS pool', () => {
  it('reports no unacknowledged cdk-nag finding', () => {
    const report = built.nag.validateScope(built.app);
    const findings = report.violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} ${r.constructPath}`),
    );
    expect(findings).toEqual([]);
  });
});
