import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DailyActivity } from '../core/model.ts';
import type { ActivityStore } from '../core/ports.ts';
import { keys } from '../keys.ts';

/** Per-checkpoint daily counters: one Query per unit and day, returning only checkpoints that were used. */
export class DynamoActivity implements ActivityStore {
  /** Read capacity consumed since this adapter was made: what the benchmark compares at N and 10×N. */
  consumedReadCapacity = 0;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async dailyActivity(unitId: string, days: readonly string[]): Promise<DailyActivity[]> {
    const perDay = await Promise.all(days.map((day) => this.day(unitId, day)));
    return perDay.flat();
  }

  private async day(unitId: string, day: string): Promise<DailyActivity[]> {
    const out: DailyActivity[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.activityOfUnitDay(unitId, day) },
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
