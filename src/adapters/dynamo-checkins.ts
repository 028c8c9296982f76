import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Checkin } from '../core/model.ts';
import { mapLimit } from '../core/pool.ts';
import type { CheckinStore, Events, RecordResult } from '../core/ports.ts';
import { daysOf, localDay } from '../core/time.ts';
import { CHECKIN_SK_PREFIX, CHECKINS_BY_CHECKPOINT, KEY, keys } from '../keys.ts';
import { DEFAULT_RETRY, type RetryOptions, withRetry } from './retry.ts';

/**
 * Raw check-ins. One conditional put stores a check-in only if its phone has no check-in with its id, so it is
 * stored once however often, and however simultaneously, it is sent; its one index (by checkpoint-day) is written
 * with it. It is not counted here: the table's stream carries each new check-in exactly once to the counting step
 * (src/core/counting.ts), which adds them to the daily counters in batches. A check-in item holds its phone's keyed
 * hash (its partition) and sealed number, never the number.
 */
export class DynamoCheckins implements CheckinStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: { checkins: string },
    private readonly events: Events,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
    /** Items per Query page; DynamoDB's 1 MB page when unset. Tests set it small to cross page boundaries. */
    private readonly pageSize?: number,
  ) {}

  async record(checkin: Checkin): Promise<RecordResult> {
    try {
      await withRetry(() => this.db.send(this.put(checkin)), this.events, this.retry);
      return { status: 'created' };
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') {
        const existing = await this.get(checkin.phoneHash, checkin.id);
        if (existing) return { status: 'duplicate', existing };
      }
      throw err;
    }
  }

  async get(phoneHash: string, checkinId: string): Promise<Checkin | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tables.checkins,
        Key: keys.checkin(phoneHash, checkinId),
        ConsistentRead: true,
      }),
    );
    return Item && toCheckin(Item);
  }

  async findAt(checkpointId: string, at: Date, checkinId: string): Promise<Checkin | undefined> {
    const iso = at.toISOString();
    const key = keys.checkinByCheckpoint(checkpointId, localDay(at), iso, checkinId);
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tables.checkins,
        IndexName: CHECKINS_BY_CHECKPOINT.name,
        KeyConditionExpression: '#pk = :pk AND #sk = :sk',
        ExpressionAttributeNames: { '#pk': CHECKINS_BY_CHECKPOINT.pk, '#sk': CHECKINS_BY_CHECKPOINT.sk },
        ExpressionAttributeValues: { ':pk': key.gsi1pk, ':sk': key.gsi1sk },
      }),
    );
    const item = Items?.[0];
    return item && toCheckin(item);
  }

  /**
   * The phone's partition of the table, filtered to the window: its sort key is the client id (what makes a
   * check-in idempotent), not the time, so a query reads the phone's whole retention (a person's few hundred
   * check-ins at most) and keeps those scanned in [from, to).
   */
  async checkinsOfPhone(phoneHash: string, from: Date, to: Date): Promise<Checkin[]> {
    if (from >= to) return [];
    const range = keys.checkinTimeRange(from, to);
    const input: QueryCommandInput = {
      TableName: this.tables.checkins,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :checkin)',
      FilterExpression: '#at >= :from AND #at < :to',
      ExpressionAttributeNames: { '#pk': KEY.pk, '#sk': KEY.sk, '#at': 'at' },
      ExpressionAttributeValues: {
        ':pk': keys.checkinsOfPhone(phoneHash),
        ':checkin': CHECKIN_SK_PREFIX,
        ':from': range.from,
        ':to': range.to,
      },
    };
    const found: Checkin[] = [];
    const pages = paginateQuery(
      { client: this.db, ...(this.pageSize ? { pageSize: this.pageSize } : {}) },
      input,
    );
    for await (const page of pages) for (const item of page.Items ?? []) found.push(toCheckin(item));
    return found.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : 1));
  }

  /** One Query per local day (the index is partitioned per checkpoint-day), a few days at a time. */
  async checkinsAtCheckpoint(checkpointId: string, from: Date, to: Date): Promise<Checkin[]> {
    if (from >= to) return [];
    const days = localDaysOf(from, to);
    const pieces = await mapLimit(days, DAY_QUERIES_IN_FLIGHT, (day) =>
      this.query(keys.checkinsAtCheckpointOn(checkpointId, day), from, to),
    );
    return pieces.flat();
  }

  /** Every item of one checkpoint-day partition with its sort key in [from, to), oldest first, through all pages. */
  private async query(partition: string, from: Date, to: Date): Promise<Checkin[]> {
    const index = CHECKINS_BY_CHECKPOINT;
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

  private put(c: Checkin): PutCommand {
    return new PutCommand({
      TableName: this.tables.checkins,
      Item: {
        ...keys.checkin(c.phoneHash, c.id),
        ...keys.checkinByCheckpoint(c.checkpointId, c.day, c.at, c.id),
        ...c,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
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
