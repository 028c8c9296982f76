import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Checkin } from '../core/model.ts';
import { mapLimit } from '../core/pool.ts';
import type { CheckinStore, Events, RecordResult } from '../core/ports.ts';
import { daysOf, localDay } from '../core/time.ts';
import { CHECKINS_BY_CHECKPOINT, CHECKINS_BY_PHONE, counterSlot, type IndexDef, keys } from '../keys.ts';
import { DEFAULT_RETRY, type RetryOptions, withRetry } from './retry.ts';

/**
 * Raw check-ins and their per-checkpoint daily counters. One transaction puts the check-in (only if its id
 * is new) and adds one to the counter: both happen or neither, so a check-in is counted exactly once however
 * often, and however simultaneously, it is sent. A check-in item holds its phone's keyed hash (also its by-phone
 * index key) and sealed number, never the number.
 */
export class DynamoCheckins implements CheckinStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { checkins: string; activity: string },
    private readonly events: Events,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
    /** Items per Query page; DynamoDB's 1 MB page when unset. Tests set it small to cross page boundaries. */
    private readonly pageSize?: number,
  ) {}

  async record(checkin: Checkin): Promise<RecordResult> {
    try {
      // A conflicted attempt is retried on a spare counter slot: the rush at one gate spreads itself out.
      await withRetry(
        (attempt) => this.db.send(this.transaction(checkin, counterSlot(attempt))),
        this.events,
        this.retry,
      );
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
    return Item && toCheckin(Item);
  }

  async checkinsOfPhone(phoneHash: string, from: Date, to: Date): Promise<Checkin[]> {
    if (from >= to) return [];
    return this.query(CHECKINS_BY_PHONE, keys.checkinsOfPhone(phoneHash), from, to);
  }

  /** One Query per local day (the index is partitioned per checkpoint-day), a few days at a time. */
  async checkinsAtCheckpoint(checkpointId: string, from: Date, to: Date): Promise<Checkin[]> {
    if (from >= to) return [];
    const days = localDaysOf(from, to);
    const pieces = await mapLimit(days, DAY_QUERIES_IN_FLIGHT, (day) =>
      this.query(CHECKINS_BY_CHECKPOINT, keys.checkinsAtCheckpointOn(checkpointId, day), from, to),
    );
    return pieces.flat();
  }

  /** Every item of one index partition with its sort key in [from, to), oldest first, through all pages. */
  private async query(index: IndexDef, partition: string, from: Date, to: Date): Promise<Checkin[]> {
    const range = keys.checkinTimeRange(from, to);
    const input: QueryCommandInput = {
      TableName: this.tables.checkins,
      IndexName: index.name,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': index.pk, '#sk': index.sk },
      ExpressionAttributeValues: { ':pk': partition, ':from': range.from, ':to': range.to },
    };
    const found: Checkin[] = [];
    const pages = paginateQuery(
      { client: this.db, ...(this.pageSize ? { pageSize: this.pageSize } : {}) },
      input,
    );
    for await (const page of pages) for (const item of page.Items ?? []) found.push(toCheckin(item));
    return found;
  }

  private transaction(c: Checkin, slot: number): TransactWriteCommand {
    return new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.tables.checkins,
            Item: {
              ...keys.checkin(c.id),
              ...keys.checkinByCheckpoint(c.checkpointId, c.day, c.at, c.id),
              ...keys.checkinByPhone(c.phoneHash, c.at, c.id),
              ...c,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: this.tables.activity,
            Key: keys.activity(c.unitId, c.day, c.checkpointId, slot),
            // `people` counts the holder and their companions: a family of three scanning once is one check-in.
            UpdateExpression:
              'ADD checkins :one, people :people SET unitId = :unit, checkpointId = :cp, #day = :day',
            ExpressionAttributeNames: { '#day': 'day' },
            ExpressionAttributeValues: {
              ':one': 1,
              ':people': 1 + (c.companions ?? 0),
              ':unit': c.unitId,
              ':cp': c.checkpointId,
              ':day': c.day,
            },
          },
        },
      ],
    });
  }
}

/** A month of days at a busy gate: enough parallel Queries to be quick, few enough not to throttle. */
const DAY_QUERIES_IN_FLIGHT = 4;

/** The local days that [from, to) touches, in order. */
function localDaysOf(from: Date, to: Date): string[] {
  return daysOf({ start: localDay(from), end: localDay(new Date(to.getTime() - 1)) });
}

/** The stored item without its key attributes. */
function toCheckin(item: Record<string, unknown>): Checkin {
  const {
    id,
    checkpointId,
    unitId,
    phoneHash,
    sealedPhone,
    direction,
    method,
    companions,
    assistedBy,
    at,
    day,
    receivedAt,
    expiresAt,
  } = item as unknown as Checkin;
  return {
    id,
    checkpointId,
    unitId,
    phoneHash,
    sealedPhone,
    direction,
    method,
    ...(companions !== undefined ? { companions } : {}),
    ...(assistedBy !== undefined ? { assistedBy } : {}),
    at,
    day,
    receivedAt,
    expiresAt,
  };
}
