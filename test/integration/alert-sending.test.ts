import { randomUUID } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { type AlertBatch, batchesOf } from '../../src/core/alerts.ts';
import { keys } from '../../src/keys.ts';
import { readOutbox } from '../../src/local/sms-outbox.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/**
 * An exposure alert sent end to end through the local API: A and B were at the market together (20 minutes
 * overlapping), C came after the window. A tracer drafts the alert; its author cannot approve it; a second tracer
 * does, and the in-process queue delivers its batches to the same consumer the Lambda runs, into the outbox.
 * Approving again, or the queue delivering a batch again, sends nothing more; the kill switch stops sending.
 */

let stack: LocalStack;
let api: Client;
let tracer: string;
let secondTracer: string;
let admin: string;
let caseId: string;
let checkpoint: { id: string; code: string; name: string };
const PHONES = { A: '0912000021', B: '0912000022', C: '0912000023' } as const;
const E164 = { A: '+84912000021', B: '+84912000022', C: '+84912000023' } as const;
const T = Date.now() - 6 * 3_600_000;
const at = (minutes: number) => new Date(T + minutes * 60_000).toISOString();

async function checkin(who: keyof typeof PHONES, direction: 'in' | 'out', minutes: number) {
  const res = await api.call('POST', '/v1/checkins', {
    body: { id: randomUUID(), code: checkpoint.code, phone: PHONES[who], direction, at: at(minutes) },
  });
  expect(res.status).toBe(201);
}

const draft = async () => {
  const res = await api.call('POST', '/v1/alerts', {
    token: tracer,
    body: { caseId, checkpointIds: [checkpoint.id], from: at(0), to: at(60), template: 'exposure' },
  });
  expect(res.status).toBe(201);
  return res.json.id as string;
};

/** GET /v1/alerts/{id} until the alert is no longer sending (the queue works in the background). */
async function settled(id: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await api.call('GET', `/v1/alerts/${id}`, { token: tracer });
    expect(res.status).toBe(200);
    if (res.json.status !== 'sending') return res.json;
    if (Date.now() > deadline)
      throw new Error(`Alert ${id} still sending after 30 s: ${JSON.stringify(res.json)}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

const sentTo = async () => (await readOutbox(stack.dataDir)).map((m) => m.to).sort();

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
  const unit = { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: 'quang-ninh', kind: 'district' };
  expect((await api.call('POST', '/v1/units', { token: admin, body: unit })).status).toBe(201);
  const imported = await api.call('POST', '/v1/units/hai-ha/checkpoints/import', {
    token: admin,
    body: {
      checkpoints: [
        {
          kind: 'market',
          placeName: 'Chợ Quảng Hà',
          address: 'Khu 1',
          ref: 'a-1',
          createdAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
        },
      ],
    },
  });
  expect(imported.status).toBe(200);
  checkpoint = imported.json.created[0];
  await checkin('A', 'in', 0);
  await checkin('B', 'in', 10);
  await checkin('A', 'out', 30);
  await checkin('B', 'out', 40);
  await checkin('C', 'in', 120);
  await checkin('C', 'out', 130);
  tracer = await stack.token('tracer', 'hai-ha');
  secondTracer = await stack.token('tracer', 'hai-ha', 'tracer-2');
  const opened = await api.call('POST', '/v1/cases', {
    token: tracer,
    body: { ref: 'F0-301', reason: 'A dương tính', unitId: 'hai-ha' },
  });
  expect(opened.status).toBe(201);
  caseId = opened.json.id;
});

afterAll(async () => stack?.stop());

describe('sending an approved exposure alert', () => {
  let alertId: string;

  it('refuses its author, then sends A and B one message each once a second tracer approves, C none', async () => {
    alertId = await draft();
    expect((await api.call('POST', `/v1/alerts/${alertId}/approve`, { token: tracer })).status).toBe(403);
    expect(await readOutbox(stack.dataDir)).toEqual([]);

    const approved = await api.call('POST', `/v1/alerts/${alertId}/approve`, { token: secondTracer });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ id: alertId, recipients: 2 });
    expect(await settled(alertId)).toMatchObject({ status: 'sent', recipients: 2, sent: 2 });
    expect(await sentTo()).toEqual([E164.A, E164.B]);
  });

  it('sends a text naming the place and the window, never a name, a case or another phone', async () => {
    const messages = await readOutbox(stack.dataDir);
    for (const m of messages) {
      expect(m.text).toContain('Chợ Quảng Hà');
      expect(m.text).not.toMatch(/0912|\+84|F0-301|dương tính/);
    }
  });

  it('sends nothing more when approved again, by the second tracer or an admin', async () => {
    const again = await api.call('POST', `/v1/alerts/${alertId}/approve`, { token: secondTracer });
    expect(again.json).toMatchObject({ status: 'sent', sent: 2 });
    await api.call('POST', `/v1/alerts/${alertId}/approve`, { token: admin });
    await new Promise((ok) => setTimeout(ok, 300));
    expect(await sentTo()).toEqual([E164.A, E164.B]);
  });

  it('sends nothing more when SQS delivers a batch again to the consumer Lambda', async () => {
    // The alert's batches, found again as the approval found them, delivered to the consumer's handler.
    const { deps } = await import('../../functions/commons/alerts.ts');
    const alert = (await deps.alerts.getAlert(alertId))!;
    const batches: AlertBatch[] = await batchesOf(deps, alert);
    // A sent alert's batches are dropped before any marker is read: put it back to sending, as it stands while
    // other batches are still under way, so only the per-phone markers keep these from sending again.
    const db = makeDynamoClient(stack.config);
    await db.send(
      new UpdateCommand({
        TableName: stack.config.tracingTable,
        Key: keys.alertItem(alertId),
        UpdateExpression: 'SET #status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sending': 'sending' },
      }),
    );
    expect(batches.flatMap((b) => b.recipients)).toHaveLength(2);
    const { handler } = await import('../../functions/send-alert-batch.ts');
    const event = (body: string) => ({ Records: [{ messageId: randomUUID(), body }] }) as unknown as SQSEvent;
    for (const batch of batches) {
      expect(await handler(event(JSON.stringify(batch)), {} as Context)).toEqual({ batchItemFailures: [] });
    }
    expect(await handler(event('{"not":"a batch"}'), {} as Context)).toEqual({ batchItemFailures: [] });
    expect(await sentTo()).toEqual([E164.A, E164.B]);
    expect((await deps.alerts.getAlert(alertId))?.sent).toBe(2);
    db.destroy();
  });

  it('writes no phone number in any form into the alert or its listing', async () => {
    const got = await api.call('GET', `/v1/alerts/${alertId}`, { token: tracer });
    const listed = await api.call('GET', '/v1/alerts?limit=100', { token: tracer });
    expect(JSON.stringify([got.json, listed.json])).not.toMatch(/912000/);
  });
});

describe('the kill switch', () => {
  it('is pulled by an admin of the province only', async () => {
    for (const token of [
      tracer,
      await api.as('admin', 'hai-ha'),
      await api.as('unit-manager', 'quang-ninh'),
    ]) {
      expect((await api.call('POST', '/v1/alerts/pause', { token })).status).toBe(403);
    }
    expect((await api.call('POST', '/v1/alerts/pause', {})).status).toBe(401);
  });

  it('stops every sending: an alert approved while paused sends nothing until resumed, then once', async () => {
    const before = (await readOutbox(stack.dataDir)).length;
    const paused = await api.call('POST', '/v1/alerts/pause', { token: admin });
    expect([paused.status, paused.json]).toEqual([200, { paused: true }]);

    const id = await draft();
    const approved = await api.call('POST', `/v1/alerts/${id}/approve`, { token: secondTracer });
    expect(approved.json).toMatchObject({ status: 'sending', recipients: 2 });
    await new Promise((ok) => setTimeout(ok, 1_000));
    expect((await readOutbox(stack.dataDir)).length).toBe(before);
    expect((await api.call('GET', `/v1/alerts/${id}`, { token: tracer })).json).toMatchObject({
      status: 'sending',
      sent: 0,
    });

    const resumed = await api.call('POST', '/v1/alerts/resume', { token: admin });
    expect(resumed.status).toBe(200);
    expect(resumed.json).toMatchObject({ paused: false });
    expect(resumed.json.requeued).toBeGreaterThanOrEqual(1);
    expect(await settled(id)).toMatchObject({ status: 'sent', sent: 2 });
    const after = await readOutbox(stack.dataDir);
    expect(
      after
        .slice(before)
        .map((m) => m.to)
        .sort(),
    ).toEqual([E164.A, E164.B]);
  });

  it('is audited under the province, with the alerts resumed', async () => {
    const from = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    const to = encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString());
    const res = await api.call('GET', `/v1/audit?from=${from}&to=${to}&limit=100`, { token: admin });
    const actions = res.json.items.map((r: { action: string }) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['alert.approve', 'alerts.pause', 'alerts.resume']));
    expect(JSON.stringify(res.json)).not.toMatch(/912000/);
  });
});
