import { beforeAll, describe, expect, it } from 'vitest';
import { SqsAlertQueue } from '../../src/adapters/sqs-alerts.ts';
import { ALERT_SENDING_ENV } from '../../src/config.ts';
import { InProcessAlertQueue } from '../../src/local/alert-queue.ts';
import { LAMBDA_PHONE_TEST_ENV, LAMBDA_TEST_ENV } from '../lambda-env.ts';

/** The alert functions' cold start: a missing or malformed queue or SMS setting fails it, naming the variable. */

let commons: typeof import('../../functions/commons/alert-sending.ts');
beforeAll(async () => {
  Object.assign(process.env, LAMBDA_TEST_ENV);
  commons = await import('../../functions/commons/alert-sending.ts');
});

describe('the alert queue of an approval', () => {
  it('fails the cold start without ALERT_QUEUE, or with anything but local or an SQS URL', () => {
    expect(() => commons.makeAlertQueue({})).toThrow(/ALERT_QUEUE/);
    expect(() => commons.makeAlertQueue({ [ALERT_SENDING_ENV.queue]: 'https://example.com/q' })).toThrow(
      /ALERT_QUEUE/,
    );
  });

  it('is SQS in AWS and the in-process stand-in locally', () => {
    const url = 'https://sqs.ap-southeast-1.amazonaws.com/111122223333/alerts';
    expect(commons.makeAlertQueue({ [ALERT_SENDING_ENV.queue]: url })).toBeInstanceOf(SqsAlertQueue);
    const local = commons.makeAlertQueue({
      ...LAMBDA_PHONE_TEST_ENV,
      [ALERT_SENDING_ENV.queue]: 'local',
      [ALERT_SENDING_ENV.smsOutboxDir]: '/tmp/vaora-outbox-test',
    });
    expect(local).toBeInstanceOf(InProcessAlertQueue);
  });
});

describe('the consumer', () => {
  it('fails the cold start without the SMS pool, naming it, and without the phone key', () => {
    expect(() => commons.makeSendingDeps({ ...LAMBDA_PHONE_TEST_ENV })).toThrow(/SMS_ORIGINATION_IDENTITY/);
    expect(() =>
      commons.makeSendingDeps({ [ALERT_SENDING_ENV.smsOriginationIdentity]: 'pool-0123456789abcdef' }),
    ).toThrow(/PHONE_KEY_ID/);
  });

  it('starts with the pool and the phone key', () => {
    const deps = commons.makeSendingDeps({
      ...LAMBDA_PHONE_TEST_ENV,
      [ALERT_SENDING_ENV.smsOriginationIdentity]: 'pool-0123456789abcdef',
    });
    expect(deps.sms.constructor.name).toBe('EndUserMessagingSms');
  });
});
