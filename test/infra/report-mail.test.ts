import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAIL_MAX_CONCURRENCY, MAIL_MAX_RECEIVES } from '../../lib/report-mail.ts';
import { MAIL_ENV } from '../../src/config.ts';
import {
  actionsOf,
  buildApp,
  defaultChildId,
  firstProvince,
  functionId,
  getAtt,
  grantsOfFunction,
  type SynthedProvince,
  synthedProvinces,
} from './synth.ts';

/**
 * The Friday delivery in the province stack (lib/report-mail.ts): the queue and its dead-letter queue, the mailer
 * consuming it, the variables the `mail:*` bindings bring, and a province with no SES identity sending nothing.
 */

const SYNTH_TIMEOUT = 300_000;
beforeAll(() => void synthedProvinces(), SYNTH_TIMEOUT);

const vars = ({ stack, resources }: SynthedProvince, name: 'weekly-run-unit' | 'send-report-mail') =>
  resources[functionId(stack, name)]!.Properties.Environment.Variables;

describe('the report e-mails queue', () => {
  it('is encrypted, TLS-only, with a dead-letter queue after five receives, its visibility six times the mailer timeout', () => {
    const { stack, resources } = firstProvince();
    const queue = resources[defaultChildId(stack.reportMail.queue)]!;
    const dlq = resources[defaultChildId(stack.reportMail.deadLetterQueue)]!;
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 60,
      RedrivePolicy: {
        deadLetterTargetArn: getAtt(defaultChildId(stack.reportMail.deadLetterQueue)),
        maxReceiveCount: 5,
      },
    });
    expect(MAIL_MAX_RECEIVES).toBe(5);
    expect(dlq.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    // Every request without TLS refused, on both queues.
    for (const q of [stack.reportMail.queue, stack.reportMail.deadLetterQueue]) {
      const policies = Object.values(resources).filter(
        (r) =>
          r.Type === 'AWS::SQS::QueuePolicy' &&
          JSON.stringify(r.Properties.Queues) === JSON.stringify([{ Ref: defaultChildId(q) }]),
      );
      expect(policies).toHaveLength(1);
      expect(policies[0]!.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('is consumed by the mailer, one notice at a time, failures reported per item, two mailers at most', () => {
    const { stack, template } = firstProvince();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(defaultChildId(stack.reportMail.queue)),
      FunctionName: { Ref: functionId(stack, 'send-report-mail') },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: MAIL_MAX_CONCURRENCY },
    });
    // The mailer is the queue's one consumer (the alert and import queues have theirs).
    const mailQueue = JSON.stringify(getAtt(defaultChildId(stack.reportMail.queue)));
    const consumers = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter(
      (r) => JSON.stringify(r.Properties.EventSourceArn) === mailQueue,
    );
    expect(consumers).toHaveLength(1);
  });

  it('is where the unit task sends its notices, and only the unit task may send to it', () => {
    for (const province of synthedProvinces().provinces) {
      expect(vars(province, 'weekly-run-unit')[MAIL_ENV.reportMail]).toEqual({
        Ref: defaultChildId(province.stack.reportMail.queue),
      });
      const senders = (
        Object.keys(province.stack.functions.byName) as (keyof typeof province.stack.functions.byName)[]
      ).filter((name) =>
        grantsOfFunction(province, name).some(
          (g) =>
            g.action === 'sqs:SendMessage' &&
            g.resource === JSON.stringify(getAtt(defaultChildId(province.stack.reportMail.queue))),
        ),
      );
      expect(senders).toEqual(['weekly-run-unit']);
    }
  });

  it("gives the mailer the province's From and a console link on the console's own origin by default", () => {
    const province = firstProvince();
    expect(vars(province, 'send-report-mail')[MAIL_ENV.mailFrom]).toBe(
      '"Vaora Quảng Ninh" <bao-cao@quangninh.gov.vn>',
    );
    expect(JSON.stringify(vars(province, 'send-report-mail')[MAIL_ENV.consoleUrl])).toMatch(
      /ConsoleDistribution[^"]*","DomainName".*\/console\//,
    );
  });

  it('lets only the mailer send e-mail, as the From address domain identity', () => {
    for (const province of synthedProvinces().provinces) {
      const names = Object.keys(
        province.stack.functions.byName,
      ) as (keyof typeof province.stack.functions.byName)[];
      const senders = names.filter((name) =>
        actionsOf(grantsOfFunction(province, name)).some((a) => a.startsWith('ses:')),
      );
      expect(senders).toEqual(['send-report-mail']);
      const [grant] = grantsOfFunction(province, 'send-report-mail').filter(
        (g) => g.action === 'ses:SendEmail',
      );
      const domain = province.stack.province.id === 'quang-ninh' ? 'quangninh.gov.vn' : 'vinhphuc.gov.vn';
      expect(JSON.stringify(grant!.resource)).toContain(`:identity/${domain}`);
    }
  });
});

describe('a province without an SES identity', () => {
  it(
    'sends nothing: REPORT_MAIL=off, no SendMessage, no SendEmail, a console URL it was given',
    () => {
      const { stacks } = buildApp({
        provinces: [
          { id: 'bac-kan', name: 'Bắc Kạn', consoleUrl: 'https://console.backan.example/console/' },
        ],
      });
      const [stack] = stacks;
      const template = Template.fromStack(stack!);
      const resources = template.toJSON().Resources;
      const province = { stack: stack!, template, resources };
      expect(vars(province, 'weekly-run-unit')[MAIL_ENV.reportMail]).toBe('off');
      expect(vars(province, 'send-report-mail')[MAIL_ENV.mailFrom]).toBeUndefined();
      expect(actionsOf(grantsOfFunction(province, 'weekly-run-unit'))).not.toContain('sqs:SendMessage');
      expect(
        actionsOf(grantsOfFunction(province, 'send-report-mail')).filter((a) => a.startsWith('ses:')),
      ).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );

  it('refuses a From that is no address', () => {
    expect(() => buildApp({ provinces: [{ id: 'a', name: 'A', reportMail: { from: 'bao cao' } }] })).toThrow(
      /reportMail\.from/,
    );
  });
});
