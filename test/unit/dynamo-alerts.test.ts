import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAlertDeliveries, DynamoAlertSwitch, DynamoAlerts } from '../../src/adapters/dynamo-alerts.ts';
import { fixedClock } from '../../src/core/time.ts';

/** The alert markers against DynamoDB's answers: a conditional put wins once; failures are not swallowed. */

const ddb = mockClient(DynamoDBDocumentClient);
const NOW = '2026-03-02T03:00:00.000Z';
const deliveries = new DynamoAlertDeliveries(ddb as unknown as DynamoDBDocumentClient, 'tracing', {
  clock: fixedClock(NOW),
  days: 28,
});
const HASH = 'a'.repeat(43);
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });

beforeEach(() => ddb.reset());

describe('DynamoAlertDeliveries', () => {
  it('claims a phone with a conditional put of alert#<id>#to#<hash>, expiring with the check-ins (TTL)', async () => {
    ddb.on(PutCommand).resolves({});
    expect(await deliveries.claim('a1', HASH)).toBe(true);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toMatchObject({
      TableName: 'tracing',
      Item: { pk: `alert#a1#to#${HASH}`, sk: 'to', expiresAt: Date.parse(NOW) / 1000 + 28 * 86_400 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('answers false when the phone was claimed before', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    expect(await deliveries.claim('a1', HASH)).toBe(false);
  });

  it('throws any other failure, so the batch is delivered again', async () => {
    ddb
      .on(PutCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(deliveries.claim('a1', HASH)).rejects.toThrow('slow down');
  });

  it('refuses a phone number where a keyed hash belongs', async () => {
    await expect(deliveries.claim('a1', '+84912000001')).rejects.toThrow(/keyed hash/);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('releases a claim by deleting its marker', async () => {
    ddb.on(DeleteCommand).resolves({});
    await deliveries.release('a1', HASH);
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual({
      pk: `alert#a1#to#${HASH}`,
      sk: 'to',
    });
  });

  it('adds to the sent count, then marks the alert sent on the condition every recipient is counted', async () => {
    ddb.on(UpdateCommand).resolves({});
    await deliveries.countSent('a1', 3);
    const [add, mark] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(add).toMatchObject({
      Key: { pk: 'alert#a1', sk: 'alert' },
      UpdateExpression: 'ADD sent :n, settled :s',
    });
    expect(add!.ExpressionAttributeValues).toEqual({ ':n': 3, ':s': 3 });
    expect(mark).toMatchObject({ ConditionExpression: '#status = :sending AND settled >= recipients' });
  });

  it('counts phones refused for good as failed and settled, so the alert still ends sent', async () => {
    ddb.on(UpdateCommand).resolves({});
    await deliveries.countSent('a1', 2, 1);
    const [add] = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(add).toMatchObject({ UpdateExpression: 'ADD sent :n, failed :f, settled :s' });
    expect(add!.ExpressionAttributeValues).toEqual({ ':n': 2, ':f': 1, ':s': 3 });
  });

  it('leaves the status when not every recipient is counted yet, and throws other failures', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    await expect(deliveries.countSent('a1', 1)).resolves.toBeUndefined();
    ddb.reset();
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    await expect(deliveries.countSent('a1', 1)).rejects.toThrow('down');
  });
});

describe('DynamoAlerts.markQueued', () => {
  const alerts = new DynamoAlerts(ddb as unknown as DynamoDBDocumentClient, 'tracing');

  it('records queuedAt and the recipients enqueued, on the condition the alert is still sending', async () => {
    ddb.on(UpdateCommand).resolves({});
    await alerts.markQueued('a1', NOW, 7);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: 'alert#a1', sk: 'alert' },
      UpdateExpression: 'SET queuedAt = :at, recipients = :n',
      ConditionExpression: '#status = :sending',
      ExpressionAttributeValues: { ':at': NOW, ':n': 7, ':sending': 'sending' },
    });
  });

  it('leaves an alert cancelled meanwhile, and throws any other failure', async () => {
    ddb.on(UpdateCommand).rejectsOnce(conditionFailed());
    await expect(alerts.markQueued('a1', NOW, 7)).resolves.toBeUndefined();
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    await expect(alerts.markQueued('a1', NOW, 7)).rejects.toThrow('down');
  });
});

describe('DynamoAlertSwitch', () => {
  const switched = new DynamoAlertSwitch(ddb as unknown as DynamoDBDocumentClient, 'tracing');

  it('is off without its item, and reads it strongly consistent', async () => {
    ddb.on(GetCommand).resolves({});
    expect(await switched.paused()).toBe(false);
    expect(ddb.commandCalls(GetCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: 'alert#switch', sk: 'switch' },
      ConsistentRead: true,
    });
    ddb.on(GetCommand).resolves({ Item: { pk: 'alert#switch', sk: 'switch', paused: true } });
    expect(await switched.paused()).toBe(true);
  });

  it('sets the flag with who and when on the one alert#switch item, and throws a failure', async () => {
    ddb.on(UpdateCommand).resolves({});
    await switched.setPaused(true, 'admin-1', NOW);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: 'alert#switch', sk: 'switch' },
      ExpressionAttributeValues: { ':p': true, ':by': 'admin-1', ':at': NOW },
    });
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    await expect(switched.setPaused(false, 'admin-1', NOW)).rejects.toThrow('down');
  });
});
