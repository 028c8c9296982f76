import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Checkpoint, CheckpointRef, Page, Unit } from '../core/model.ts';
import { searchable } from '../core/naming.ts';
import type {
  CheckpointEdit,
  CheckpointFilter,
  CheckpointStore,
  CreateResult,
  UnitStore,
} from '../core/ports.ts';
import { KEY, keys, REGISTRY_BY_PARENT } from '../keys.ts';
import { decodeToken, encodeToken } from './paging.ts';

/**
 * What one page of a filtered listing may read before it answers what it found, with a token to go on: DynamoDB's
 * Limit counts the items it evaluates before the filter, so a selective filter (a search, say) needs several reads
 * to fill a page. Each read evaluates FILTERED_READ_GROWTH times more than the one before, up to these totals
 * (a checkpoint item is under 1 KB: the budget is a few of DynamoDB's 1 MB pages).
 */
export const LIST_READ_BUDGET = { requests: 8, items: 5_000 } as const;
const FILTERED_READ_GROWTH = 4;

/** Units, checkpoints, their printed codes and registrants' refs, in the registry table (src/keys.ts). */
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
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: REGISTRY_BY_PARENT.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': REGISTRY_BY_PARENT.pk },
          ExpressionAttributeValues: { ':pk': keys.childrenOf(unitId) },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items.map(toUnit);
  }

  async updateUnit(unit: Unit): Promise<boolean> {
    const listed = unit.parentId ? keys.unitUnderParent(unit.parentId, unit.id) : undefined;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.unit(unit.id),
          UpdateExpression: `SET #name = :name, #kind = :kind, #path = :path${unit.code ? ', #code = :code' : ''}${
            listed ? ', parentId = :parent, gsi1pk = :gsi1pk, gsi1sk = :gsi1sk' : ''
          }`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: {
            '#name': 'name',
            '#kind': 'kind',
            '#path': 'path',
            ...(unit.code ? { '#code': 'code' } : {}),
          },
          ExpressionAttributeValues: {
            ':name': unit.name,
            ':kind': unit.kind,
            ':path': unit.path,
            ...(unit.code ? { ':code': unit.code } : {}),
            ...(listed
              ? { ':parent': unit.parentId, ':gsi1pk': listed.gsi1pk, ':gsi1sk': listed.gsi1sk }
              : {}),
          },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /**
   * One transaction: the code item (the check-in path's lookup), the ref item when there is a ref, and the
   * checkpoint itself, each only if new. A taken ref answers the checkpoint that holds it.
   */
  async createCheckpoint(cp: Checkpoint): Promise<CreateResult> {
    const [code, checkpoint] = checkpointItems(cp);
    const items = [
      { Put: { TableName: this.table, Item: code, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: this.table, Item: checkpoint, ConditionExpression: 'attribute_not_exists(pk)' } },
      ...(cp.ref
        ? [
            {
              Put: {
                TableName: this.table,
                Item: { ...keys.ref(cp.unitId, cp.ref), type: 'ref', checkpointId: cp.id },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ]
        : []),
    ];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return { status: 'created' };
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const [code, checkpoint, ref] = (err.CancellationReasons ?? []).map((r) => r.Code);
      if (ref === 'ConditionalCheckFailed' && cp.ref) {
        const existing = await this.checkpointByRef(cp.unitId, cp.ref);
        if (existing) return { status: 'ref-exists', existing };
      }
      if (checkpoint === 'ConditionalCheckFailed') {
        const existing = await this.getCheckpoint(cp.id);
        if (existing) return { status: 'id-exists', existing };
      }
      if (code === 'ConditionalCheckFailed') return { status: 'code-taken' };
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
    filter: CheckpointFilter = {},
  ): Promise<Page<Checkpoint>> {
    // The key of a checkpoint listed under this unit: pk cp#…, sk cp, gsi1pk this unit's, gsi1sk cp#….
    const start = decodeToken(page.nextToken, {
      pk: { prefix: 'cp#' },
      sk: 'cp',
      [REGISTRY_BY_PARENT.pk]: keys.checkpointsOf(unitId),
      [REGISTRY_BY_PARENT.sk]: { prefix: 'cp#' },
    });
    const names: Record<string, string> = { '#pk': REGISTRY_BY_PARENT.pk };
    const values: Record<string, unknown> = { ':pk': keys.checkpointsOf(unitId) };
    const conditions: string[] = [];
    if (filter.kind !== undefined) {
      conditions.push('#kind = :kind');
      names['#kind'] = 'kind';
      values[':kind'] = filter.kind;
    }
    if (filter.active !== undefined) {
      conditions.push('#active = :active');
      names['#active'] = 'active';
      values[':active'] = filter.active;
    }
    if (filter.followsNamingRule !== undefined) {
      conditions.push('followsNamingRule = :follows');
      values[':follows'] = filter.followsNamingRule;
    }
    for (const [i, word] of searchable(filter.search ?? '')
      .split(' ')
      .filter(Boolean)
      .entries()) {
      conditions.push(`contains(searchName, :w${i})`);
      values[`:w${i}`] = word;
    }
    const query = (limit: number, exclusiveStart: Record<string, unknown> | undefined) =>
      this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: REGISTRY_BY_PARENT.name,
          KeyConditionExpression: '#pk = :pk',
          ...(conditions.length ? { FilterExpression: conditions.join(' AND ') } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          Limit: limit,
          ExclusiveStartKey: exclusiveStart,
        }),
      );

    // A page holds `limit` checkpoints unless the unit has no more (no token), or the read budget ran out first
    // (a token, and fewer items: possibly none, after LIST_READ_BUDGET.items checkpoints that did not match).
    const items: Checkpoint[] = [];
    let from: Record<string, unknown> | undefined = start;
    let scanned = 0;
    for (let request = 0; ; request++) {
      const wanted = page.limit - items.length;
      const evaluate = conditions.length
        ? Math.min(
            LIST_READ_BUDGET.items - scanned,
            Math.max(wanted, page.limit * FILTERED_READ_GROWTH ** request),
          )
        : wanted;
      const out = await query(evaluate, from);
      scanned += out.ScannedCount ?? 0;
      const found = out.Items ?? [];
      if (found.length > wanted) {
        // More matched than the page holds: it ends at the last one kept, and the next page starts after it.
        const kept = found.slice(0, wanted);
        items.push(...kept.map(toCheckpoint));
        return { items, nextToken: encodeToken(listingKey(kept.at(-1)!))! };
      }
      items.push(...found.map(toCheckpoint));
      from = out.LastEvaluatedKey;
      if (!from) return { items };
      const spent = request + 1 >= LIST_READ_BUDGET.requests || scanned >= LIST_READ_BUDGET.items;
      if (items.length === page.limit || spent) return { items, nextToken: encodeToken(from)! };
    }
  }

  /** Old code item out, new one in, the checkpoint pointed at it: together, so no moment has both or neither. */
  async rotateCode(
    checkpointId: string,
    newCode: string,
  ): Promise<Checkpoint | 'code-taken' | 'inactive' | undefined> {
    const cp = await this.getCheckpoint(checkpointId);
    if (!cp) return undefined;
    if (!cp.active) return 'inactive';
    const rotated: Checkpoint = { ...cp, code: newCode };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...keys.code(newCode), type: 'code', ...codeItem(rotated) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Delete: { TableName: this.table, Key: keys.code(cp.code) } },
            {
              Update: {
                TableName: this.table,
                Key: keys.checkpoint(cp.id),
                UpdateExpression: 'SET code = :new',
                // Still open: a checkpoint closed meanwhile keeps its code (its code item stays closed too).
                ConditionExpression: 'code = :old AND active = :true',
                ExpressionAttributeValues: { ':new': newCode, ':old': cp.code, ':true': true },
              },
            },
          ],
        }),
      );
      return rotated;
    } catch (err) {
      const reasons = err instanceof TransactionCanceledException ? err.CancellationReasons : undefined;
      if (reasons?.[0]?.Code === 'ConditionalCheckFailed') return 'code-taken';
      if (reasons?.[2]?.Code === 'ConditionalCheckFailed') {
        const now = await this.getCheckpoint(checkpointId);
        if (now && !now.active) return 'inactive';
      }
      throw err;
    }
  }

  async deactivate(checkpointId: string): Promise<Checkpoint | undefined> {
    return this.setActive(checkpointId, false);
  }

  async reactivate(checkpointId: string): Promise<Checkpoint | undefined> {
    return this.setActive(checkpointId, true);
  }

  /** The checkpoint and its code item, together: the check-in path reads only the code item. */
  private async setActive(checkpointId: string, active: boolean): Promise<Checkpoint | undefined> {
    const cp = await this.getCheckpoint(checkpointId);
    if (!cp) return undefined;
    const set = {
      UpdateExpression: 'SET active = :active',
      ExpressionAttributeValues: { ':active': active },
    };
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: { TableName: this.table, Key: keys.checkpoint(cp.id), ...set } },
          {
            Update: {
              TableName: this.table,
              Key: keys.code(cp.code),
              ConditionExpression: 'attribute_exists(pk)',
              ...set,
            },
          },
        ],
      }),
    );
    return { ...cp, active };
  }

  async editCheckpoint(
    checkpointId: string,
    code: string,
    edit: CheckpointEdit,
  ): Promise<Checkpoint | 'code-changed' | undefined> {
    return this.updateWithCode(
      checkpointId,
      code,
      {
        name: edit.name,
        kind: edit.kind,
        placeName: edit.placeName,
        address: edit.address,
        canonicalName: edit.canonicalName,
        followsNamingRule: edit.followsNamingRule,
        searchName: searchable(edit.name),
      },
      { name: edit.name },
    );
  }

  async setUnitOf(
    checkpointId: string,
    code: string,
    unit: { unitName: string; unitPath: string[] },
  ): Promise<Checkpoint | 'code-changed' | undefined> {
    return this.updateWithCode(checkpointId, code, unit, { unitName: unit.unitName });
  }

  /**
   * The checkpoint and its code item updated in one transaction, the checkpoint only while it still has `code` (a
   * rotation moves the code item): 'code-changed' when it has another now, undefined when there is no checkpoint.
   */
  private async updateWithCode(
    checkpointId: string,
    code: string,
    fields: Record<string, unknown>,
    codeFields: Record<string, unknown>,
  ): Promise<Checkpoint | 'code-changed' | undefined> {
    const set = (values: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
      const entries = Object.entries(values);
      return {
        UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#f${i}`, name])),
        ExpressionAttributeValues: {
          ...Object.fromEntries(entries.map(([, value], i) => [`:f${i}`, value])),
          ...extra,
        },
      };
    };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: keys.checkpoint(checkpointId),
                ConditionExpression: 'code = :code',
                ...set(fields, { ':code': code }),
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: keys.code(code),
                ConditionExpression: 'attribute_exists(pk)',
                ...set(codeFields),
              },
            },
          ],
        }),
      );
    } catch (err) {
      const reasons = err instanceof TransactionCanceledException ? err.CancellationReasons : undefined;
      if (reasons?.some((r) => r.Code === 'ConditionalCheckFailed')) {
        const now = await this.getCheckpoint(checkpointId);
        return now ? 'code-changed' : undefined;
      }
      throw err;
    }
    // Consistent: the answer is what was just written.
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.checkpoint(checkpointId), ConsistentRead: true }),
    );
    return Item ? toCheckpoint(Item) : undefined;
  }

  async checkpointIdsByRef(refs: readonly { unitId: string; ref: string }[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < refs.length; i += 100) {
      let keys_ = refs.slice(i, i + 100).map((r) => keys.ref(r.unitId, r.ref));
      // BatchGetItem may leave keys unprocessed under load: ask again for those.
      for (let attempt = 0; keys_.length > 0; attempt++) {
        if (attempt > 0)
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
        const out = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.table]: { Keys: keys_, ProjectionExpression: 'pk, checkpointId' } },
          }),
        );
        for (const item of out.Responses?.[this.table] ?? []) {
          const [, unitId, ...ref] = String(item.pk).split('#');
          found.set(`${unitId}\u0000${ref.join('#')}`, item.checkpointId);
        }
        keys_ = (out.UnprocessedKeys?.[this.table]?.Keys ?? []) as typeof keys_;
      }
    }
    return found;
  }

  private async checkpointByRef(unitId: string, ref: string): Promise<Checkpoint | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.ref(unitId, ref), ConsistentRead: true }),
    );
    return Item ? this.getCheckpoint(Item.checkpointId) : undefined;
  }
}

/**
 * A checkpoint's two registry items: its code item (the check-in path's lookup) and the checkpoint itself, listed
 * under its unit. What createCheckpoint writes; a bench seeding a province writes the same in batches.
 */
export function checkpointItems(cp: Checkpoint): [Record<string, unknown>, Record<string, unknown>] {
  return [
    { ...keys.code(cp.code), type: 'code', ...codeItem(cp) },
    {
      ...keys.checkpoint(cp.id),
      ...keys.checkpointUnderUnit(cp.unitId, cp.createdAt, cp.id),
      type: 'checkpoint',
      searchName: searchable(cp.name),
      ...cp,
    },
  ];
}

function codeItem(cp: Checkpoint): CheckpointRef {
  return {
    id: cp.id,
    name: cp.name,
    unitId: cp.unitId,
    unitName: cp.unitName,
    active: cp.active,
    createdAt: cp.createdAt,
  };
}

/** Where a listing under a unit resumes after this item: its table key and its key in the by-parent index. */
function listingKey(item: Record<string, unknown>): Record<string, unknown> {
  return {
    [KEY.pk]: item[KEY.pk],
    [KEY.sk]: item[KEY.sk],
    [REGISTRY_BY_PARENT.pk]: item[REGISTRY_BY_PARENT.pk],
    [REGISTRY_BY_PARENT.sk]: item[REGISTRY_BY_PARENT.sk],
  };
}

function toUnit(item: Record<string, unknown>): Unit {
  const { id, name, code, parentId, kind, path, createdAt } = item as unknown as Unit;
  return { id, name, ...(code ? { code } : {}), ...(parentId ? { parentId } : {}), kind, path, createdAt };
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
    canonicalName: c.canonicalName ?? c.name,
    followsNamingRule: c.followsNamingRule ?? true,
  };
}
