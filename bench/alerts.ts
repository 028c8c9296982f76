/**
 * (i) An exposure alert to 10,000 phones, end to end on the local stack: 10,000 visits at a market's ten
 * checkpoints (each phone
 * scans in; one in ten also scans out 30 minutes later: DynamoDB Local reads about a check-in a millisecond, and
 * the draft and the approval each read them all within their 29 s) seeded with BatchWriteItem as the check-in path stores them (keyed hash, sealed
 * number); a case, an alert drafted by one tracer and approved by another through the local API; then the
 * in-process queue delivers the 100 batches to the consumer core (claim, open, text) until the alert is `sent`.
 * Timed from the approval to `sent`; the outbox is then read: every phone exactly once. A second approval sends
 * nothing more.
 *
 *   node --openssl-legacy-provider --import tsx bench/alerts.ts [recipients]   → one JSON line
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { makeDynamoClient } from '../src/adapters/clients.ts';
import { DynamoCheckins } from '../src/adapters/dynamo-checkins.ts';
import { makePhoneVault } from '../src/adapters/phone-vault.ts';
import type { Checkin } from '../src/core/model.ts';
import { mapLimit } from '../src/core/pool.ts';
import { localDay } from '../src/core/time.ts';
import { keys } from '../src/keys.ts';
import { readOutbox } from '../src/local/sms-outbox.ts';
import { startLocalStack } from '../src/local/stack.ts';

export interface AlertBenchResult {
  recipients: number;
  /** Seeding the check-ins (1.1 a phone) with BatchWriteItem (not part of the alert's time). */
  seedMs: number;
  /** One checkpoint's check-ins of the window read alone (the draft and the approval each read ten). */
  readMs: number;
  /** POST /v1/alerts: the draft counting its recipients from the check-ins. */
  draftMs: number;
  /** POST /v1/alerts/{id}/approve: finding the recipients again and enqueuing their batches. */
  approveMs: number;
  /** From the approval's request to GET /v1/alerts/{id} answering `sent`. */
  approveToSentMs: number;
  messagesPerSecond: number;
  outboxMessages: number;
  distinctPhones: number;
  /** Phones with more than one message: must be 0. */
  duplicates: number;
  /** Messages added by a second approval once sent: must be 0. */
  afterReapproval: number;
}

const CHECKPOINTS = 10;
const MOBILE = (i: number) => `+849${String(10_000_000 + i).padStart(8, '0')}`;

export async function benchAlert(recipients = 10_000): Promise<AlertBenchResult> {
  const stack = await startLocalStack({ provinceId: 'bench', port: 0 });
  const db = makeDynamoClient(stack.config);
  try {
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${stack.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await res.json()) as any;
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const admin = await stack.token('admin', 'bench');
    const tracer = await stack.token('tracer', 'bench');
    const second = await stack.token('tracer', 'bench', 'tracer-2');
    // A market cluster: the stalls' ten checkpoints, a thousand phones at each.
    const imported = await call('POST', '/v1/units/bench/checkpoints/import', admin, {
      checkpoints: Array.from({ length: CHECKPOINTS }, (_, k) => ({
        kind: 'market',
        placeName: `Chợ Trung tâm ${k + 1}`,
        address: `Dãy ${k + 1}`,
        ref: `m-${k}`,
        createdAt: new Date(Date.now() - 2 * 86_400_000).toISOString(),
      })),
    });
    const checkpointIds: string[] = imported.created.map((c: { id: string }) => c.id);

    // Every phone's visit: in within the first hour of the window, out 30 minutes later.
    const start = Date.now() - 3 * 3_600_000;
    const vault = makePhoneVault(stack.phones);
    const seedStarted = performance.now();
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < recipients; i++) {
      const phone = MOBILE(i);
      const [phoneHash, sealedPhone] = [await vault.hash(phone), await vault.seal(phone)];
      // Most people scan in and not out (their visit stays open until midnight); one in ten scans out too.
      const scans =
        i % 10 === 0
          ? ([
              ['in', 0],
              ['out', 30 * 60_000],
            ] as const)
          : ([['in', 0]] as const);
      for (const [direction, offset] of scans) {
        const at = new Date(start + (i % 3_600) * 1_000 + offset);
        const c: Checkin = {
          id: randomUUID(),
          checkpointId: checkpointIds[i % CHECKPOINTS]!,
          unitId: 'bench',
          phoneHash,
          sealedPhone,
          direction,
          method: 'web',
          at: at.toISOString(),
          day: localDay(at),
          receivedAt: at.toISOString(),
          expiresAt: Math.floor(Date.now() / 1000) + 28 * 86_400,
        };
        items.push({
          ...keys.checkin(c.phoneHash, c.id),
          ...keys.checkinByCheckpoint(c.checkpointId, c.day, c.at, c.id),
          ...c,
        });
      }
    }
    const chunks: Record<string, unknown>[][] = [];
    for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
    await mapLimit(chunks, 8, async (chunk) => {
      let requests = chunk.map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const out = await db.send(
          new BatchWriteCommand({ RequestItems: { [stack.config.checkinsTable]: requests } }),
        );
        requests = (out.UnprocessedItems?.[stack.config.checkinsTable] ?? []) as typeof requests;
      }
    });
    const seedMs = performance.now() - seedStarted;
    // The read the draft and the approval each make, alone: the check-ins of the window's checkpoint-day(s).
    const t0 = performance.now();
    const read = await new DynamoCheckins(
      db,
      { checkins: stack.config.checkinsTable },
      { emit: () => {} },
    ).checkinsAtCheckpoint(checkpointIds[0]!, new Date(start), new Date(start + 2 * 3_600_000));
    const readMs = performance.now() - t0;
    console.error(
      `seeded ${items.length} check-ins in ${Math.round(seedMs)} ms; read ${read.length} in ${Math.round(readMs)} ms`,
    );

    const opened = await call('POST', '/v1/cases', tracer, {
      ref: 'F0-BENCH',
      reason: 'Chùm ca bệnh tại chợ',
      unitId: 'bench',
    });
    const window = { from: new Date(start).toISOString(), to: new Date(start + 2 * 3_600_000).toISOString() };
    let t = performance.now();
    const drafted = await call('POST', '/v1/alerts', tracer, {
      caseId: opened.id,
      checkpointIds,
      ...window,
      template: 'exposure',
    });
    const draftMs = performance.now() - t;
    if (drafted.recipients !== recipients) throw new Error(`Drafted for ${drafted.recipients} phones`);

    // Above the default cap of 5,000: an admin approves.
    t = performance.now();
    await call('POST', `/v1/alerts/${drafted.id}/approve`, recipients > 5_000 ? admin : second);
    const approveMs = performance.now() - t;
    for (;;) {
      const got = await call('GET', `/v1/alerts/${drafted.id}`, tracer);
      if (got.status === 'sent') break;
      if (got.status !== 'sending') throw new Error(`Alert ended ${got.status}`);
      if (performance.now() - t > 30 * 60_000)
        throw new Error(`Still sending after 30 min: ${got.sent} sent`);
      await new Promise((ok) => setTimeout(ok, 250));
    }
    const approveToSentMs = performance.now() - t;

    const outbox = await readOutbox(stack.dataDir);
    const perPhone = new Map<string, number>();
    for (const m of outbox) perPhone.set(m.to, (perPhone.get(m.to) ?? 0) + 1);
    await call('POST', `/v1/alerts/${drafted.id}/approve`, second);
    await new Promise((ok) => setTimeout(ok, 1_000));
    const afterReapproval = (await readOutbox(stack.dataDir)).length - outbox.length;

    return {
      recipients,
      seedMs: Math.round(seedMs),
      readMs: Math.round(readMs),
      draftMs: Math.round(draftMs),
      approveMs: Math.round(approveMs),
      approveToSentMs: Math.round(approveToSentMs),
      messagesPerSecond: Math.round((outbox.length / approveToSentMs) * 1000 * 10) / 10,
      outboxMessages: outbox.length,
      distinctPhones: perPhone.size,
      duplicates: [...perPhone.values()].filter((n) => n > 1).length,
      afterReapproval,
    };
  } finally {
    db.destroy();
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchAlert(process.argv[2] ? Number(process.argv[2]) : undefined);
  console.log(JSON.stringify(result));
  const ok =
    result.outboxMessages === result.recipients &&
    result.distinctPhones === result.recipients &&
    result.duplicates === 0 &&
    result.afterReapproval === 0;
  process.exit(ok ? 0 : 1);
}
