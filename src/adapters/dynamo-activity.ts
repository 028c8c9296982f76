import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DailyActivity } from '../core/model.ts';
import { mapLimit } from '../core/pool.ts';
import type { ActivityStore } from '../core/ports.ts';
import { ACTIVITY_BY_CHECKPOINT, ACTIVITY_SHARDS, keys } from '../keys.ts';

/** Idle checkpoints looked up at once: one small Query each on the keys-only index. */
const LAST_ACTIVE_IN_FLIGHT = 16;

/** Per-checkpoint daily counters: one Query per unit, day and shard, returning only checkpoints that were used. */
export class DynamoActivity implements ActivityStore {
  /** Read capacity consumed since this adapter was made: what the benchmark compares at N and 10×N. */
  consumedReadCapacity = 0;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async dailyActivity(unitId: string, days: readonly string[]): Promise<DailyActivity[]> {
    const partitions = days.flatMap((day) =>
      Array.from({ length: ACTIVITY_SHARDS }, (_, shard) => ({ day, shard })),
    );
    const pieces = await Promise.all(partitions.map(({ day, shard }) => this.partition(unitId, day, shard)));
    return pieces.flat();
  }

  async lastActiveDays(checkpointIds: readonly string[], before: string): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    await mapLimit([...checkpointIds], LAST_ACTIVE_IN_FLIGHT, async (checkpointId) => {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: ACTIVITY_BY_CHECKPOINT.name,
          KeyConditionExpression: '#cp = :cp AND #day < :before',
          ExpressionAttributeNames: { '#cp': ACTIVITY_BY_CHECKPOINT.pk, '#day': ACTIVITY_BY_CHECKPOINT.sk },
          ExpressionAttributeValues: { ':cp': checkpointId, ':before': before },
          ScanIndexForward: false,
          Limit: 1,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      this.consumedReadCapacity += page.ConsumedCapacity?.CapacityUnits ?? 0;
      const day = page.Items?.[0]?.day;
      if (typeof day === 'string') found.set(checkpointId, day);
    });
    return found;
  }

  private async partition(unitId: string, day: string, shard: number): Promise<DailyActivity[]> {
    const out: DailyActivity[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.activityPartition(unitId, day, shard) },
          ProjectionExpression: 'checkpointId, checkins',
          ReturnConsumedCapacity: 'TOTAL',
          ExclusiveStartKey: start,
        }),
      );
      this.consumedReadCapacity += page.ConsumedCapacity?.CapacityUnits ?? 0;
      for (const item of page.Items ?? []) {
        out.push({ unitId, day, checkpointId: item.checkpointId, checkins: item.checkins });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }
}
