import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { DynamoAlertDeliveries, DynamoAlertSwitch, DynamoAlerts } from '../../src/adapters/dynamo-alerts.ts';
import { makePhoneReader } from '../../src/adapters/phone-vault.ts';
import { EndUserMessagingSms, makeSmsClient } from '../../src/adapters/sms.ts';
import { SqsAlertQueue } from '../../src/adapters/sqs-alerts.ts';
import { tracer } from '../../src/adapters/tracer.ts';
import { ALERT_SENDING_ENV, loadPhoneConfig } from '../../src/config.ts';
import { type AlertQueue, type SendingDeps, sendBatch } from '../../src/core/alerts.ts';
import { InProcessAlertQueue } from '../../src/local/alert-queue.ts';
import { LocalSmsOutbox } from '../../src/local/sms-outbox.ts';
import { clock, config } from './services.ts';

/**
 * What sending an alert needs, built once per container, only in the functions that send (the queue's consumer,
 * and locally the in-process queue): the alert, the markers (kept as long as the check-ins), the kill switch, a
 * phone reader (kms:Decrypt, binding `phones:open`) and the SMS sender the environment names. A missing or
 * malformed variable fails the cold start.
 */
export function makeSendingDeps(env: NodeJS.ProcessEnv = process.env): SendingDeps {
  const db = makeDynamoClient(config);
  const switched = new DynamoAlertSwitch(db, config.tracingTable);
  return {
    alerts: new DynamoAlerts(db, config.tracingTable),
    deliveries: new DynamoAlertDeliveries(db, config.tracingTable, { clock, days: config.retentionDays }),
    phones: makePhoneReader(loadPhoneConfig(env)),
    sms: smsSender(env),
    paused: () => switched.paused(),
  };
}

function smsSender(env: NodeJS.ProcessEnv) {
  const outbox = env[ALERT_SENDING_ENV.smsOutboxDir];
  if (outbox) return new LocalSmsOutbox(outbox, clock);
  const identity = env[ALERT_SENDING_ENV.smsOriginationIdentity];
  if (!identity) {
    throw new Error(
      `Invalid configuration: ${ALERT_SENDING_ENV.smsOriginationIdentity}: the province's SMS pool (cdk.json alertSms.poolId)`,
    );
  }
  return new EndUserMessagingSms(makeSmsClient(), { originationIdentity: identity });
}

/** The queue an approval (or a resume) enqueues into: SQS by its URL, or `local`, delivered in this process. */
export function makeAlertQueue(env: NodeJS.ProcessEnv = process.env): AlertQueue {
  const queue = z
    .union([z.literal('local'), z.url().startsWith('https://sqs.')])
    .safeParse(env[ALERT_SENDING_ENV.queue]);
  if (!queue.success) {
    throw new Error(`Invalid configuration: ${ALERT_SENDING_ENV.queue}: 'local' or an SQS queue URL`);
  }
  if (queue.data !== 'local')
    return new SqsAlertQueue(tracer.captureAWSv3Client(new SQSClient({})), queue.data);
  const deps = makeSendingDeps(env);
  return new InProcessAlertQueue((batch) => sendBatch(deps, batch));
}
