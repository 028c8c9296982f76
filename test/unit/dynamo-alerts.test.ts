import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoAlertDeliveries } from '../../src/adapters/dynamo-alerts.ts';

/** The alert markers against DynamoDB's answers: a conditional put wins once; failures are not swallowed. */

const ddb = mockClient(DynamoDBDocumentClient);
const deliveries = new DynamoAlertDeliveries(ddb as unknown as DynamoDBDocumentClient, 'tracing');
const HASH = 'a'.repeat(43);
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'failed', $metadata: {} });

beforeEach(() => ddb.reset());

describe('DynamoAlertDeliveries', () => {
  it('claims a phone with a conditional put of alert#<id>#to#<hash>', async () => {
    ddb.on(PutCommand).resolves({});
    expect(await deliveries.claim('a1', HASH)).toBe(true);
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input).toMatchObject({
      TableName: 'tracing',
      Item: { pk: `alert#a1#to#${HASH}`, sk: 'to' },
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
    expect(add).toMatchObject({ Key: { pk: 'alert#a1', sk: 'alert' }, UpdateExpression: 'ADD sent :n' });
    expect(add!.ExpressionAttributeValues).toEqual({ ':n': 3 });
    expect(mark).toMatchObject({ ConditionExpression: '#status = :sending AND sent >= recipients' });
  });

  it('leaves the status when not every recipient is counted yet, and throws other failures', async () => {
    ddb.on(UpdateCommand).resolvesOnce({}).rejectsOnce(conditionFailed());
    await expect(deliveries.countSent('a1', 1)).resolves.toBeUndefined();
    ddb.reset();
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    await expect(deliveries.countSent('a1', 1)).rejects.toThrow('down');
  });
});
