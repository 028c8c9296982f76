import { randomUUID } from 'node:crypto';
import { DeleteCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { DynamoActivity } from '../../src/adapters/dynamo-activity.ts';
import { localDay } from '../../src/core/time.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/**
 * Counting from DynamoDB Local's stream of the check-ins table (src/core/counting.ts through its adapters): every
 * stored check-in once, however often its records are read again.
 */
let stack: LocalStack;
let api: Client;
let gate: { id: string; code: string };
const UNIT = 'dam-ha';

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  const admin = await api.as('admin', 'quang-ninh');
  const unit = await api.call('POST', '/v1/units', {
    token: admin,
    body: { id: UNIT, name: 'Xã Đầm Hà', parentId: 'quang-ninh', kind: 'commune' },
  });
  expect(unit.status).toBe(201);
  const cp = await api.call('POST', `/v1/units/${UNIT}/checkpoints`, {
    token: admin,
    body: { kind: 'market', placeName: 'Chợ Đầm Hà', address: 'Khu 3' },
  });
  expect(cp.status).toBe(201);
  gate = cp.json;
});

afterAll(async () => {
  await stack?.stop();
});

const mobile = (i: number) => `09${String(20_000_000 + i)}`;

async function post(count: number, from: number) {
  const at = new Date().toISOString();
  const sent = Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    code: gate.code,
    phone: mobile(from + i),
    direction: 'in',
    at,
    companions: 1,
  }));
  // Each sent twice at once: one stores it, the other is its duplicate and makes no stream record.
  const answers = await Promise.all(
    [...sent, ...sent].map((body) => api.call('POST', '/v1/checkins', { body })),
  );
  expect(answers.filter((a) => a.status === 201)).toHaveLength(count);
  expect(answers.filter((a) => a.status === 200)).toHaveLength(count);
  return localDay(new Date(at));
}

async function counted(day: string) {
  const db = makeDynamoClient(stack.config);
  try {
    const rows = await new DynamoActivity(db, stack.config.activityTable).dailyActivity(UNIT, [day]);
    return rows.filter((r) => r.checkpointId === gate.id).reduce((sum, r) => sum + r.checkins, 0);
  } finally {
    db.destroy();
  }
}

/** What a counting run that crashed before saving its positions leaves: the positions of before. */
async function forgetPositions() {
  const db = makeDynamoClient(stack.config);
  try {
    const { Items } = await db.send(new ScanCommand({ TableName: stack.config.activityTable }));
    const positions = (Items ?? []).filter((i) => String(i.pk).startsWith('stream#'));
    expect(positions.length).toBeGreaterThan(0);
    for (const p of positions) {
      await db.send(
        new DeleteCommand({ TableName: stack.config.activityTable, Key: { pk: p.pk, sk: p.sk } }),
      );
    }
  } finally {
    db.destroy();
  }
}

describe('counting check-ins from the stream', () => {
  it('counts each stored check-in once, duplicates never, and again nothing when its records are read again', async () => {
    const day = await post(40, 0);
    await stack.count();
    expect(await counted(day)).toBe(40);

    await forgetPositions();
    // Two runs at once over the whole stream again: the counters' watermarks refuse what they hold.
    await Promise.all([stack.count(), stack.count()]);
    expect(await counted(day)).toBe(40);

    const later = await post(15, 100);
    await stack.count();
    expect(await counted(later)).toBe(later === day ? 55 : 15);
  });
});
