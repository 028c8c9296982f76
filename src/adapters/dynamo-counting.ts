import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  type AddResult,
  type CheckinStream,
  type CounterKey,
  type CounterStore,
  paddedSeq,
  type StreamedCheckin,
  type StreamPage,
} from '../core/counting.ts';
import type { Clock } from '../core/time.ts';
import { CHECKIN_SK_PREFIX, keys } from '../keys.ts';

/** Records per GetRecords call (DynamoDB Streams' maximum). */
const PAGE = 1_000;
/** An open shard may answer empty pages before its records: follow its iterator this many times at most. */
const EMPTY_READS = 4;
/** A shard's position outlives the stream's 24 hours of records, then goes by TTL. */
const POSITION_TTL_SECONDS = 2 * 86_400;

/** The check-ins table's stream: its shards, and a shard's new check-ins after a sequence number. */
export class DynamoCheckinStream implements CheckinStream {
  private arn: string | undefined;

  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly streams: DynamoDBStreamsClient,
    private readonly table: string,
  ) {}

  private async streamArn(): Promise<string> {
    if (!this.arn) {
      const { Table } = await this.dynamo.send(new DescribeTableCommand({ TableName: this.table }));
      if (!Table?.LatestStreamArn) throw new Error(`The table ${this.table} has no stream`);
      this.arn = Table.LatestStreamArn;
    }
    return this.arn;
  }

  async shards(): Promise<string[]> {
    const StreamArn = await this.streamArn();
    const ids: string[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({ StreamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }),
      );
      for (const shard of StreamDescription?.Shards ?? []) if (shard.ShardId) ids.push(shard.ShardId);
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return ids;
  }

  async read(shardId: string, after: string | undefined): Promise<StreamPage> {
    const { ShardIterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: await this.streamArn(),
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    let iterator = ShardIterator;
    for (let reads = 0; iterator && reads < EMPTY_READS; reads++) {
      const page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: PAGE }));
      const records = page.Records ?? [];
      iterator = page.NextShardIterator;
      if (records.length > 0) {
        return {
          checkins: records.flatMap((r) => toStreamed(r) ?? []),
          last: records.at(-1)!.dynamodb!.SequenceNumber!,
          ended: !iterator,
        };
      }
    }
    return { checkins: [], ended: !iterator };
  }
}

/** A new check-in item's record, or undefined for anything else (cards, updates, TTL deletions). */
function toStreamed(record: StreamRecord): StreamedCheckin | undefined {
  const image = record.dynamodb?.NewImage;
  const seq = record.dynamodb?.SequenceNumber;
  if (record.eventName !== 'INSERT' || !image || !seq) return undefined;
  if (!image.sk?.S?.startsWith(CHECKIN_SK_PREFIX)) return undefined;
  const unitId = image.unitId?.S;
  const day = image.day?.S;
  const checkpointId = image.checkpointId?.S;
  if (!unitId || !day || !checkpointId) return undefined;
  // When the server took it (the stream's own time is rounded down to the minute).
  const storedAt =
    Date.parse(image.receivedAt?.S ?? '') || record.dynamodb?.ApproximateCreationDateTime?.getTime();
  return {
    seq,
    unitId,
    day,
    checkpointId,
    companions: Number(image.companions?.N ?? 0),
    ...(storedAt ? { storedAt } : {}),
  };
}

/**
 * The daily counters, one item per checkpoint-day and stream shard (src/keys.ts keys.activity), each holding the
 * last sequence number it added (its watermark); and the counting step's position in each shard.
 */
export class DynamoCounters implements CounterStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  async position(shardId: string): Promise<{ after?: string; ended: boolean }> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.streamPosition(shardId), ConsistentRead: true }),
    );
    return { ...(typeof Item?.after === 'string' ? { after: Item.after } : {}), ended: Item?.ended === true };
  }

  async savePosition(shardId: string, after: string, ended: boolean): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.streamPosition(shardId),
          UpdateExpression: 'SET #after = :after, #order = :order, ended = :ended, expiresAt = :expires',
          // Only forward; an ended shard may be marked so at the position it already has.
          ConditionExpression: `attribute_not_exists(#order) OR #order ${ended ? '<=' : '<'} :order`,
          ExpressionAttributeNames: { '#after': 'after', '#order': 'afterOrder' },
          ExpressionAttributeValues: {
            ':after': after,
            ':order': paddedSeq(after),
            ':ended': ended,
            ':expires': Math.floor(this.clock.now().getTime() / 1000) + POSITION_TTL_SECONDS,
          },
        }),
      );
    } catch (err) {
      // Another reader is further along: its position stands.
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  async add(
    key: CounterKey,
    delta: { checkins: number; people: number },
    firstSeq: string,
    lastSeq: string,
  ): Promise<AddResult> {
    const Key = keys.activity(key.unitId, key.day, key.checkpointId, shardTag(key.shardId));
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          // `people` counts the holders and their companions: a family of three scanning once is one check-in.
          UpdateExpression:
            'ADD checkins :n, people :people SET unitId = :unit, checkpointId = :cp, #day = :day, #seq = :last',
          ConditionExpression: 'attribute_not_exists(#seq) OR #seq < :first',
          ExpressionAttributeNames: { '#day': 'day', '#seq': 'seq' },
          ExpressionAttributeValues: {
            ':n': delta.checkins,
            ':people': delta.people,
            ':unit': key.unitId,
            ':cp': key.checkpointId,
            ':day': key.day,
            ':first': paddedSeq(firstSeq),
            ':last': paddedSeq(lastSeq),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { added: true };
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      const returned = (err as { Item?: { seq?: { S?: string } | string } }).Item?.seq;
      const watermark = typeof returned === 'string' ? returned : returned?.S;
      if (watermark) return { added: false, watermark };
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.table, Key, ConsistentRead: true }),
      );
      return { added: false, watermark: String(Item?.seq ?? '') };
    }
  }
}

/** A stream shard's part of a counter's key: its id without the constant prefix. */
export function shardTag(shardId: string): string {
  return shardId.replace(/^shardId-/, '');
}
