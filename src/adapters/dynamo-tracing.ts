import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type AuditLog, type AuditRecord, sortKey } from '../core/audit.ts';
import type { Case, CaseStore } from '../core/cases.ts';
import type { Page } from '../core/model.ts';
import { localDay } from '../core/time.ts';
import { keys, TRACING_LISTED } from '../keys.ts';
import { decodeToken, encodeToken } from './paging.ts';

const ENTITY_CASE = 'case';
const ENTITY_AUDIT = 'audit';

/** Cases in the tracing table: one item each, listed newest first on its `cases` index partition. */
export class DynamoCases implements CaseStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async createCase(c: Case): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...keys.caseItem(c.id), ...keys.caseListed(c.openedAt, c.id), entity: ENTITY_CASE, ...c },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getCase(caseId: string): Promise<Case | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.caseItem(caseId) }));
    return out.Item ? toCase(out.Item) : undefined;
  }

  listCases(page: { limit: number; nextToken?: string }): Promise<Page<Case>> {
    return listNewestFirst(
      this.db,
      this.table,
      { partition: keys.casesListed, itemPrefix: 'case#', sk: 'case' },
      page,
      toCase,
    );
  }

  async closeCase(caseId: string, by: string, at: string): Promise<Case | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.caseItem(caseId),
          UpdateExpression: 'SET #status = :closed, closedBy = :by, closedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND #status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':closed': 'closed', ':open': 'open', ':by': by, ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? toCase(out.Attributes) : undefined;
    } catch (err) {
      // Closed meanwhile by someone else, or never there: answer what is stored.
      if ((err as Error).name === 'ConditionalCheckFailedException') return this.getCase(caseId);
      throw err;
    }
  }
}

/**
 * One kind of tracing item (cases, alerts), newest first from its partition of the tracing table's index, a page at a
 * time; a `nextToken` must be a key of that very listing.
 */
export async function listNewestFirst<T>(
  db: DynamoDBDocumentClient,
  table: string,
  kind: { partition: string; itemPrefix: string; sk: string },
  page: { limit: number; nextToken?: string },
  toItem: (item: Record<string, unknown>) => T,
): Promise<Page<T>> {
  const start = decodeToken(page.nextToken, {
    pk: { prefix: kind.itemPrefix },
    sk: kind.sk,
    [TRACING_LISTED.pk]: kind.partition,
    [TRACING_LISTED.sk]: { prefix: '' },
  });
  const out = await db.send(
    new QueryCommand({
      TableName: table,
      IndexName: TRACING_LISTED.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': TRACING_LISTED.pk },
      ExpressionAttributeValues: { ':pk': kind.partition },
      ScanIndexForward: false,
      Limit: page.limit,
      ExclusiveStartKey: start,
    }),
  );
  const nextToken = encodeToken(out.LastEvaluatedKey);
  return { items: (out.Items ?? []).map(toItem), ...(nextToken ? { nextToken } : {}) };
}

function toCase(item: Record<string, unknown>): Case {
  const { pk: _pk, sk: _sk, entity: _e, gsi1pk: _g1, gsi1sk: _g2, ...c } = item;
  return c as unknown as Case;
}

/**
 * The audit trail in its own table: one partition per local day, records sorted by time then id, removed by the
 * table's TTL after the audit retention. Appended with a condition, so a record is never replaced; the grants
 * (lib/bindings.ts) give no function UpdateItem or DeleteItem on this table.
 */
export class DynamoAudit implements AuditLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async append(record: AuditRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...keys.auditItem(localDay(new Date(record.at)), sortKey(record)),
          entity: ENTITY_AUDIT,
          ...record,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async readDay(day: string, options: { after?: string; limit: number }): Promise<AuditRecord[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: options.after ? 'pk = :pk AND sk > :after' : 'pk = :pk',
        ExpressionAttributeValues: {
          ':pk': keys.auditDay(day),
          ...(options.after ? { ':after': options.after } : {}),
        },
        Limit: options.limit,
      }),
    );
    return (out.Items ?? []).map(({ pk: _pk, sk: _sk, entity: _e, ...r }) => r as unknown as AuditRecord);
  }
}
