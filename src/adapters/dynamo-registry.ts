import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Checkpoint, CheckpointRef, Page, Unit } from '../core/model.ts';
import type { CheckpointStore, UnitStore } from '../core/ports.ts';
import { keys, REGISTRY_BY_PARENT } from '../keys.ts';
import { decodeToken, encodeToken } from './paging.ts';

/** Units, checkpoints and their printed codes, in the registry table (see src/keys.ts for the layout). */
export class DynamoRegistry implements UnitStore, CheckpointStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getUnit(unitId: string): Promise<Unit | undefined> {
    // Consistent: a unit is often read (as a parent, for its scope) right after it was created.
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.unit(unitId), ConsistentRead: true }),
    );
    return Item ? toUnit(Item) : undefined;
  }

  async createUnit(unit: Unit): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.unit(unit.id),
            ...(unit.parentId ? keys.unitUnderParent(unit.parentId, unit.id) : {}),
            type: 'unit',
            ...unit,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  async childrenOf(unitId: string): Promise<Unit[]> {
    const items = await this.queryAll(keys.childrenOf(unitId));
    return items.map(toUnit);
  }

  async createCheckpoint(cp: Checkpoint): Promise<boolean> {
    const ref: CheckpointRef = {
      id: cp.id,
      name: cp.name,
      unitId: cp.unitId,
      unitName: cp.unitName,
      active: cp.active,
      createdAt: cp.createdAt,
    };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...keys.code(cp.code), type: 'code', ...ref },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: {
                  ...keys.checkpoint(cp.id),
                  ...keys.checkpointUnderUnit(cp.unitId, cp.createdAt, cp.id),
                  type: 'checkpoint',
                  ...cp,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return true;
    } catch (err) {
      if (
        err instanceof TransactionCanceledException &&
        err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        return false;
      }
      throw err;
    }
  }

  async getCheckpoint(checkpointId: string): Promise<Checkpoint | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.checkpoint(checkpointId) }),
    );
    return Item ? toCheckpoint(Item) : undefined;
  }

  async getByCode(code: string): Promise<CheckpointRef | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.code(code) }));
    if (!Item) return undefined;
    const { id, name, unitId, unitName, active, createdAt } = Item as CheckpointRef;
    return { id, name, unitId, unitName, active, createdAt };
  }

  async listCheckpoints(
    unitId: string,
    page: { limit: number; nextToken?: string },
  ): Promise<Page<Checkpoint>> {
    // The key of a checkpoint listed under this unit: pk cp#…, sk cp, gsi1pk this unit's, gsi1sk cp#….
    const start = decodeToken(page.nextToken, {
      pk: { prefix: 'cp#' },
      sk: 'cp',
      [REGISTRY_BY_PARENT.pk]: keys.checkpointsOf(unitId),
      [REGISTRY_BY_PARENT.sk]: { prefix: 'cp#' },
    });
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: REGISTRY_BY_PARENT.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': REGISTRY_BY_PARENT.pk },
        ExpressionAttributeValues: { ':pk': keys.checkpointsOf(unitId) },
        Limit: page.limit,
        ExclusiveStartKey: start,
      }),
    );
    const nextToken = encodeToken(out.LastEvaluatedKey);
    return { items: (out.Items ?? []).map(toCheckpoint), ...(nextToken ? { nextToken } : {}) };
  }

  private async queryAll(gsi1pk: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: REGISTRY_BY_PARENT.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': REGISTRY_BY_PARENT.pk },
          ExpressionAttributeValues: { ':pk': gsi1pk },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function toUnit(item: Record<string, unknown>): Unit {
  const { id, name, parentId, kind, path, createdAt } = item as unknown as Unit;
  return { id, name, ...(parentId ? { parentId } : {}), kind, path, createdAt };
}

function toCheckpoint(item: Record<string, unknown>): Checkpoint {
  const c = item as unknown as Checkpoint;
  return {
    id: c.id,
    code: c.code,
    name: c.name,
    kind: c.kind,
    placeName: c.placeName,
    address: c.address,
    ...(c.ref ? { ref: c.ref } : {}),
    unitId: c.unitId,
    unitName: c.unitName,
    unitPath: c.unitPath,
    active: c.active,
    createdAt: c.createdAt,
  };
}
