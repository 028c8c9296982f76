import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoRegistry, LIST_READ_BUDGET } from '../../src/adapters/dynamo-registry.ts';
import { decodeToken, encodeToken } from '../../src/adapters/paging.ts';

/** The registry adapter's listing against DynamoDB's paging: Limit counts items evaluated, before the filter. */

const ddb = mockClient(DynamoDBDocumentClient);
const registry = new DynamoRegistry(ddb as unknown as DynamoDBDocumentClient, 'registry');
const UNIT = 'quang-ha';

const keyOf = (n: number) => ({
  pk: `cp#${n}`,
  sk: 'cp',
  gsi1pk: `checkpoints#${UNIT}`,
  gsi1sk: `cp#2022-01-01T00:00:${String(n).padStart(2, '0')}.000Z#${n}`,
});
const item = (n: number) => ({
  ...keyOf(n),
  type: 'checkpoint',
  id: String(n),
  code: `CODE${n}`,
  name: `Cửa hàng bánh kẹo ${n}`,
  kind: 'shop',
  placeName: `Bánh kẹo ${n}`,
  address: 'Khu 1',
  unitId: UNIT,
  unitName: 'Thị trấn Quảng Hà',
  unitPath: ['quang-ninh', 'hai-ha', UNIT],
  active: true,
  createdAt: '2022-01-01T00:00:00.000Z',
  canonicalName: `Cửa hàng bánh kẹo ${n}`,
  followsNamingRule: true,
});
const SHAPE = { pk: { prefix: 'cp#' }, sk: 'cp', gsi1pk: `checkpoints#${UNIT}`, gsi1sk: { prefix: 'cp#' } };
const queries = () => ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);

beforeEach(() => {
  ddb.reset();
});

describe('listing a unit’s checkpoints through a filter', () => {
  it('reads on past a page of no matches until it finds one, each read larger than the last', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [], ScannedCount: 5, LastEvaluatedKey: keyOf(5) })
      .resolvesOnce({ Items: [item(23)], ScannedCount: 20 });
    const page = await registry.listCheckpoints(UNIT, { limit: 5 }, { search: 'banh keo' });
    expect(page).toEqual({ items: [expect.objectContaining({ id: '23', placeName: 'Bánh kẹo 23' })] });
    expect(queries().map((q) => [q.Limit, q.ExclusiveStartKey])).toEqual([
      [5, undefined],
      [20, keyOf(5)],
    ]);
    expect(queries()[0]!.FilterExpression).toBe('contains(searchName, :w0) AND contains(searchName, :w1)');
    expect(queries()[0]!.ExpressionAttributeValues).toMatchObject({ ':w0': 'banh', ':w1': 'keo' });
  });

  it('ends a page that matched more than it holds at the last one kept, and goes on after it', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(1)], ScannedCount: 2, LastEvaluatedKey: keyOf(2) })
      .resolvesOnce({ Items: [item(4), item(6), item(7)], ScannedCount: 8, LastEvaluatedKey: keyOf(10) });
    const page = await registry.listCheckpoints(UNIT, { limit: 2 }, { kind: 'shop' });
    expect(page.items.map((c) => c.id)).toEqual(['1', '4']);
    expect(decodeToken(page.nextToken, SHAPE)).toEqual(keyOf(4));
  });

  it('answers a full page with DynamoDB’s own key when the matches fill it exactly', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(1), item(2)], ScannedCount: 2, LastEvaluatedKey: keyOf(2) });
    const page = await registry.listCheckpoints(UNIT, { limit: 2 }, { active: true });
    expect(page.items.map((c) => c.id)).toEqual(['1', '2']);
    expect(page.nextToken).toBe(encodeToken(keyOf(2)));
    expect(queries()).toHaveLength(1);
  });

  it('stops at its read budget with what it found and a token to go on from', async () => {
    let n = 0;
    ddb.on(QueryCommand).callsFake((input: { Limit: number }) => {
      n += input.Limit;
      return { Items: [], ScannedCount: input.Limit, LastEvaluatedKey: keyOf(n % 60) };
    });
    const page = await registry.listCheckpoints(UNIT, { limit: 100 }, { search: 'nowhere' });
    expect(page.items).toEqual([]);
    expect(page.nextToken).toBe(encodeToken(keyOf(n % 60)));
    const limits = queries().map((q) => q.Limit!);
    expect(limits).toEqual([100, 400, 1600, 2900]);
    expect(limits.reduce((a, b) => a + b, 0)).toBe(LIST_READ_BUDGET.items);
  });

  it('stops after its budget of reads when DynamoDB answers short pages (1 MB each)', async () => {
    ddb.on(QueryCommand).resolves({ Items: [], ScannedCount: 10, LastEvaluatedKey: keyOf(9) });
    const page = await registry.listCheckpoints(UNIT, { limit: 5 }, { search: 'nowhere' });
    expect(page).toEqual({ items: [], nextToken: encodeToken(keyOf(9)) });
    expect(queries()).toHaveLength(LIST_READ_BUDGET.requests);
  });
});

describe('listing a unit’s checkpoints without a filter', () => {
  it('asks for exactly the page and answers what DynamoDB returned, with its key', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(1), item(2), item(3)], ScannedCount: 3, LastEvaluatedKey: keyOf(3) });
    const page = await registry.listCheckpoints(UNIT, { limit: 3 });
    expect(page.items.map((c) => c.id)).toEqual(['1', '2', '3']);
    expect(page.nextToken).toBe(encodeToken(keyOf(3)));
    expect(queries().map((q) => [q.Limit, q.FilterExpression])).toEqual([[3, undefined]]);
  });

  it('reads on when DynamoDB stopped short of the page at 1 MB', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item(1)], ScannedCount: 1, LastEvaluatedKey: keyOf(1) })
      .resolvesOnce({ Items: [item(2), item(3)], ScannedCount: 2 });
    const page = await registry.listCheckpoints(UNIT, { limit: 3 });
    expect(page).toEqual({ items: [1, 2, 3].map((n) => expect.objectContaining({ id: String(n) })) });
    expect(queries().map((q) => [q.Limit, q.ExclusiveStartKey])).toEqual([
      [3, undefined],
      [2, keyOf(1)],
    ]);
  });
});

describe('closing, opening and rotating a checkpoint', () => {
  const cancelled = (...codes: string[]) =>
    new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: codes.map((Code) => ({ Code })),
    });

  it('reopens the checkpoint and its code item in one transaction, the code item only if it exists', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...item(7), active: false } });
    ddb.on(TransactWriteCommand).resolves({});
    expect(await registry.reactivate('7')).toMatchObject({ id: '7', code: 'CODE7', active: true });
    const [write] = ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems!);
    expect(
      write!.map((t) => [t.Update!.Key, t.Update!.UpdateExpression, t.Update!.ConditionExpression]),
    ).toEqual([
      [{ pk: 'cp#7', sk: 'cp' }, 'SET active = :active', undefined],
      [{ pk: 'code#CODE7', sk: 'code' }, 'SET active = :active', 'attribute_exists(pk)'],
    ]);
    for (const t of write!) expect(t.Update!.ExpressionAttributeValues).toEqual({ ':active': true });
  });

  it('gives a deactivated checkpoint no new code, and writes nothing', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...item(7), active: false } });
    expect(await registry.rotateCode('7', 'NEWCODE7')).toBe('inactive');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers inactive when the checkpoint was closed between its read and the rotation', async () => {
    ddb
      .on(GetCommand)
      .resolvesOnce({ Item: item(7) })
      .resolvesOnce({ Item: { ...item(7), active: false } });
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed'));
    expect(await registry.rotateCode('7', 'NEWCODE7')).toBe('inactive');
    const [write] = ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems!);
    expect(write![2]!.Update!.ConditionExpression).toBe('code = :old AND active = :true');
  });

  it('fails, rather than answer a code it did not store, when the checkpoint is still open', async () => {
    ddb.on(GetCommand).resolves({ Item: item(7) });
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'ConditionalCheckFailed'));
    await expect(registry.rotateCode('7', 'NEWCODE7')).rejects.toBeInstanceOf(TransactionCanceledException);
  });
});
