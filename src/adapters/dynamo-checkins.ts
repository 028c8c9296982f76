import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Checkin } from '../core/model.ts';
import type { CheckinStore, Events, RecordResult } from '../core/ports.ts';
import { keys } from '../keys.ts';
import { DEFAULT_RETRY, type RetryOptions, withRetry } from './retry.ts';

/**
 * Raw check-ins and their per-checkpoint daily counters. One transaction puts the check-in (only if its id
 * is new) and adds one to the counter: both happen or neither, so a check-in is counted exactly once however
 * often, and however simultaneously, it is sent.
 */
export class DynamoCheckins implements CheckinStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { checkins: string; activity: string },
    private readonly events: Events,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
  ) {}

  async record(checkin: Checkin): Promise<RecordResult> {
    try {
      await withRetry(() => this.db.send(this.transaction(checkin)), this.events, this.retry);
      return { status: 'created' };
    } catch (err) {
      if (
        err instanceof TransactionCanceledException &&
        err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        const existing = await this.get(checkin.id);
        if (existing) return { status: 'duplicate', existing };
      }
      throw err;
    }
  }

  async get(checkinId: string): Promise<Checkin | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tables.checkins, Key: keys.checkin(checkinId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { id, checkpointId, unitId, phone, direction, method, at, day, receivedAt, expiresAt } =
      Item as Checkin;
    return { id, checkpointId, unitId, phone, direction, method, at, day, receivedAt, expiresAt };
  }

  private transaction(c: Checkin): TransactWriteCommand {
    return new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.tables.checkins,
            Item: {
              ...keys.checkin(c.id),
              ...keys.checkinByCheckpoint(c.checkpointId, c.day, c.at, c.id),
              ...keys.checkinByPhone(c.phone, c.at, c.id),
              ...c,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: this.tables.activity,
            Key: keys.activity(c.unitId, c.day, c.checkpointId),
            UpdateExpression: 'ADD checkins :one SET unitId = :unit, checkpointId = :cp, #day = :day',
            ExpressionAttributeNames: { '#day': 'day' },
            ExpressionAttributeValues: { ':one': 1, ':unit': c.unitId, ':cp': c.checkpointId, ':day': c.day },
          },
        },
      ],
    });
  }
}
