/**
 * The rush (a factory gate): `workers` people check in at one checkpoint through the local HTTP server, each
 * from a flaky phone that sends its check-in twice with the same id, `phones` of them at once. Afterwards the
 * invariants are checked against what DynamoDB holds: every acknowledged check-in stored exactly once, the
 * checkpoint's daily counter exactly `workers`, nothing answered 5xx.
 *
 * Alone: `node --openssl-legacy-provider --import tsx bench/rush.ts [workers] [phones]` starts its own local stack
 * (its own DynamoDB Local and tables, so the figures are this process's alone), also times bare PutItems at the
 * same concurrency, prints one JSON line (the last on stdout) and exits 1 when an invariant breaks. bench/run.ts
 * runs it so; test/integration/rush.test.ts runs a smaller `rush()` on the test suite's stack.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { makeDynamoClient } from '../src/adapters/clients.ts';
import { DynamoActivity } from '../src/adapters/dynamo-activity.ts';
import { makePhoneReader } from '../src/adapters/phone-vault.ts';
import { normalisePhone } from '../src/core/phone.ts';
import { mapLimit } from '../src/core/pool.ts';
import { localDay } from '../src/core/time.ts';
import { CHECKINS_BY_CHECKPOINT, keys } from '../src/keys.ts';
import { type LocalStack, startLocalStack } from '../src/local/stack.ts';

/**
 * How the phone loses its first answer:
 * - `together`: it sends the check-in twice at the same instant (a double tap, two queued retries);
 * - `overlap`: it gives up waiting after a few milliseconds and sends again while the first is still in flight;
 * - `after`: the first answer is lost on the way back, the phone sends again once the first has been handled;
 * - `dropped`: the phone drops the connection a few milliseconds after sending, then sends again.
 * The first three overlap two identical transactions or follow one; the last also covers a request the server
 * may never have read, or read and answered to nobody.
 */
export const MODES = ['together', 'overlap', 'after', 'dropped'] as const;
export type Mode = (typeof MODES)[number];

/** What the phone saw of one request: a status, no answer at all (`network`), or its own hang-up (`dropped`). */
export type Outcome = number | 'network' | 'dropped';

interface Sent {
  outcome: Outcome;
  id?: string;
  startMs: number;
  endMs: number;
}

interface Worker {
  id: string;
  phone: string;
  mode: Mode;
  at?: string;
  first?: Sent;
  retry?: Sent;
}

export interface RushOptions {
  workers: number;
  /** Phones sending at once: each carries one worker's two requests, so 1–2× this many requests are in flight. */
  phones: number;
}

export interface RushResult {
  workers: number;
  phones: number;
  requests: number;
  wallMs: number;
  checkinsPerSecond: number;
  requestsPerSecond: number;
  /** Little's law over the rush: time-averaged requests in flight; and the most at one moment. */
  meanInFlight: number;
  maxInFlight: number;
  latency: { all: Latency; created: Latency; duplicate: Latency };
  outcomes: {
    created: number;
    duplicate: number;
    clientError: number;
    serverError: number;
    network: number;
    dropped: number;
  };
  firstAnswers: Record<string, number>;
  retryAnswers: Record<string, number>;
  retriesOverlappingFirst: number;
  modes: Record<Mode, number>;
  days: string[];
  acknowledged: number;
  stored: number;
  storedDistinctIds: number;
  counted: number;
  /** Empty when every invariant held. */
  failures: string[];
}

export interface Latency {
  n: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Distinct, valid VinaPhone mobiles: 0910000000, 0910000001, … */
const mobile = (i: number) => `09${String(10_000_000 + i)}`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function rush(stack: LocalStack, options: RushOptions): Promise<RushResult> {
  const admin = await stack.token('admin', stack.config.provinceId);
  const unitId = `rush-${randomUUID().slice(0, 8)}`;
  const created = await postJson(stack, '/v1/units', admin, {
    id: unitId,
    name: 'Khu công nghiệp Cái Lân',
    parentId: stack.config.provinceId,
    kind: 'sector',
  });
  if (created.status !== 201) throw new Error(`creating the unit answered ${created.status}`);
  const gate = await postJson(stack, `/v1/units/${unitId}/checkpoints`, admin, {
    kind: 'factory',
    placeName: 'Công ty May Cổng số 1',
    address: 'Lô A3',
  });
  if (gate.status !== 201) throw new Error(`creating the checkpoint answered ${gate.status}`);
  const checkpoint = gate.json as { id: string; code: string };

  const workers: Worker[] = Array.from({ length: options.workers }, (_, i) => ({
    id: randomUUID(),
    phone: mobile(i),
    mode: MODES[i % MODES.length]!,
  }));

  let inFlight = 0;
  let maxInFlight = 0;
  const post = async (body: string, signal?: AbortSignal): Promise<Sent> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const startMs = performance.now();
    try {
      const res = await fetch(`${stack.url}/v1/checkins`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        ...(signal ? { signal } : {}),
      });
      const text = await res.text();
      let id: string | undefined;
      try {
        id = (JSON.parse(text) as { id?: string }).id;
      } catch {}
      return { outcome: res.status, ...(id ? { id } : {}), startMs, endMs: performance.now() };
    } catch (err) {
      const outcome = signal?.aborted && (err as Error).name === 'AbortError' ? 'dropped' : 'network';
      return { outcome, startMs, endMs: performance.now() };
    } finally {
      inFlight--;
    }
  };

  const gateOpens = performance.now();
  await mapLimit(workers, options.phones, async (w) => {
    // The phone stamps the scan; both sends carry the same body, so the same id, time and day.
    w.at = new Date().toISOString();
    const body = JSON.stringify({
      id: w.id,
      code: checkpoint.code,
      phone: w.phone,
      direction: 'in',
      at: w.at,
      method: 'app',
    });
    switch (w.mode) {
      case 'together':
        [w.first, w.retry] = await Promise.all([post(body), post(body)]);
        break;
      case 'overlap': {
        const first = post(body);
        await sleep(Math.random() * 20);
        [w.first, w.retry] = await Promise.all([first, post(body)]);
        break;
      }
      case 'after':
        w.first = await post(body);
        w.retry = await post(body);
        break;
      case 'dropped': {
        const hangUp = new AbortController();
        const first = post(body, hangUp.signal);
        await sleep(Math.random() * 30);
        hangUp.abort();
        w.first = await first;
        w.retry = await post(body);
        break;
      }
    }
  });
  const wallMs = performance.now() - gateOpens;

  // What the phones saw.
  const all = workers.flatMap((w) => [w.first!, w.retry!]);
  const count = (sent: Sent[], p: (o: Outcome) => boolean) => sent.filter((s) => p(s.outcome)).length;
  const tally = (sent: Sent[]) => {
    const out: Record<string, number> = {};
    for (const s of sent) out[String(s.outcome)] = (out[String(s.outcome)] ?? 0) + 1;
    return out;
  };
  const answered = all.filter((s) => typeof s.outcome === 'number');
  const outcomes = {
    created: count(all, (o) => o === 201),
    duplicate: count(all, (o) => o === 200),
    clientError: count(all, (o) => typeof o === 'number' && o >= 400 && o < 500),
    serverError: count(all, (o) => typeof o === 'number' && o >= 500),
    network: count(all, (o) => o === 'network'),
    dropped: count(all, (o) => o === 'dropped'),
  };
  const latencyOf = (sent: Sent[]) => latency(sent.map((s) => s.endMs - s.startMs));

  // What DynamoDB holds. A rush across local midnight spreads over two days: every day a scan was stamped on.
  const db = makeDynamoClient(stack.config);
  const days = [...new Set(workers.map((w) => localDay(new Date(w.at!))))].sort();
  const stored: { id: string; phoneHash: string }[] = [];
  for (const day of days) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName: stack.config.checkinsTable,
          IndexName: CHECKINS_BY_CHECKPOINT.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': CHECKINS_BY_CHECKPOINT.pk, '#id': 'id', '#phone': 'phoneHash' },
          ExpressionAttributeValues: {
            ':pk': keys.checkinByCheckpoint(checkpoint.id, day, '', '').gsi1pk,
          },
          ProjectionExpression: '#id, #phone',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) stored.push({ id: item.id, phoneHash: item.phoneHash });
      start = page.LastEvaluatedKey;
    } while (start);
  }
  // The counters as the weekly report reads them (once the counting step has read the stream): every shard of the
  // unit's days.
  await stack.count();
  const counters = await new DynamoActivity(db, stack.config.activityTable).dailyActivity(unitId, days);
  const counted = counters
    .filter((c) => c.checkpointId === checkpoint.id)
    .reduce((sum, c) => sum + c.checkins, 0);
  db.destroy();

  const failures: string[] = [];
  const fail = (what: string, n: number) => {
    if (n > 0) failures.push(`${n} ${what}`);
  };
  fail('requests answered 5xx', outcomes.serverError);
  fail('requests answered 4xx', outcomes.clientError);
  fail('requests with no answer (network error)', outcomes.network);
  const ok = (s: Sent | undefined) => s?.outcome === 200 || s?.outcome === 201;
  const acknowledged = workers.filter((w) => ok(w.first) || ok(w.retry));
  fail('workers never acknowledged', workers.length - acknowledged.length);
  fail(
    'answers whose id is not the id sent',
    workers.filter((w) => [w.first!, w.retry!].some((s) => ok(s) && s.id !== w.id)).length,
  );
  // Exactly one of a worker's sends stored the check-in: one 201, or none seen when the first was dropped.
  fail(
    'workers answered 201 twice',
    workers.filter((w) => w.first!.outcome === 201 && w.retry!.outcome === 201).length,
  );
  fail(
    'workers answered 200 twice (stored by nobody they saw)',
    workers.filter((w) => w.first!.outcome === 200 && w.retry!.outcome === 200).length,
  );
  fail(
    'workers never answered 201 though their first send was not dropped',
    workers.filter(
      (w) => w.first!.outcome !== 'dropped' && w.first!.outcome !== 201 && w.retry!.outcome !== 201,
    ).length,
  );
  const storedIds = new Set(stored.map((s) => s.id));
  // Each worker's phone as it is stored: its keyed hash (the province's secret, read as a tracer would).
  const hasher = makePhoneReader(stack.phones);
  const phoneOf = new Map(
    await Promise.all(workers.map(async (w) => [w.id, await hasher.hash(normalisePhone(w.phone)!)] as const)),
  );
  if (stored.length !== workers.length)
    failures.push(`${stored.length} check-ins stored, not ${workers.length}`);
  if (storedIds.size !== workers.length)
    failures.push(`${storedIds.size} distinct ids stored, not ${workers.length}`);
  fail('acknowledged check-ins not stored', acknowledged.filter((w) => !storedIds.has(w.id)).length);
  fail(
    'stored check-ins nobody sent, or with another phone',
    stored.filter((s) => phoneOf.get(s.id) !== s.phoneHash).length,
  );
  if (counted !== workers.length)
    failures.push(`the daily counter${days.length > 1 ? 's sum' : ' is'} ${counted}, not ${workers.length}`);

  const sumLatencyMs = answered.reduce((s, x) => s + (x.endMs - x.startMs), 0);
  return {
    workers: workers.length,
    phones: options.phones,
    requests: all.length,
    wallMs: Math.round(wallMs),
    checkinsPerSecond: round((acknowledged.length / wallMs) * 1000, 1),
    requestsPerSecond: round((all.length / wallMs) * 1000, 1),
    meanInFlight: round(sumLatencyMs / wallMs, 1),
    maxInFlight,
    latency: {
      all: latencyOf(answered),
      created: latencyOf(all.filter((s) => s.outcome === 201)),
      duplicate: latencyOf(all.filter((s) => s.outcome === 200)),
    },
    outcomes,
    firstAnswers: tally(workers.map((w) => w.first!)),
    retryAnswers: tally(workers.map((w) => w.retry!)),
    retriesOverlappingFirst: workers.filter((w) => w.retry!.startMs < w.first!.endMs).length,
    modes: Object.fromEntries(MODES.map((m) => [m, workers.filter((w) => w.mode === m).length])) as Record<
      Mode,
      number
    >,
    days,
    acknowledged: acknowledged.length,
    stored: stored.length,
    storedDistinctIds: storedIds.size,
    counted,
    failures,
  };
}

/** What a bare put stores in place of a phone: a keyed hash's and a sealed number's length, and no number. */
export const BARE_HASH = 'h'.repeat(43);
export const BARE_SEALED = `v1.${'k'.repeat(245)}.${'i'.repeat(16)}.${'c'.repeat(16)}.${'t'.repeat(22)}`;

/** Bare PutItems, `count` of them with `concurrency` in flight, to the same DynamoDB Local: puts per second. */
export async function barePuts(stack: LocalStack, count: number, concurrency: number) {
  const db = makeDynamoClient(stack.config);
  const at = new Date().toISOString();
  const ms: number[] = [];
  const started = performance.now();
  await mapLimit(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async () => {
      const t = performance.now();
      await db.send(
        new PutCommand({
          TableName: stack.config.checkinsTable,
          Item: {
            pk: `bare#${randomUUID()}`,
            sk: 'bare',
            phoneHash: BARE_HASH,
            sealedPhone: BARE_SEALED,
            at,
          },
        }),
      );
      ms.push(performance.now() - t);
    },
  );
  const wallMs = performance.now() - started;
  db.destroy();
  return { n: count, wallMs: Math.round(wallMs), latency: latency(ms) };
}

function latency(ms: number[]): Latency {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);
  return { n: ms.length, p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99), maxMs: round(sorted.at(-1) ?? 0) };
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function postJson(stack: LocalStack, path: string, token: string, body: unknown) {
  const res = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

/**
 * The handlers log typed JSON events on stdout (CloudWatch, in AWS). Counted here as a metric filter would,
 * so the result can say how often a transaction was retried and why, and whether anything failed.
 */
function countLogEvents(): Map<string, number> {
  const counts = new Map<string, number>();
  const log = console.log;
  console.log = (...args: unknown[]) => {
    const line = args.map(String).join(' ');
    try {
      const event = JSON.parse(line) as { event?: string; reason?: string; errorName?: string };
      if (event.event) {
        const key = [event.event, event.reason ?? event.errorName].filter(Boolean).join(':');
        counts.set(key, (counts.get(key) ?? 0) + 1);
        return;
      }
    } catch {}
    log(...args);
  };
  return counts;
}

async function main() {
  const workers = Number(process.argv[2] ?? 5_000);
  const phones = Number(process.argv[3] ?? 50);
  // The handlers read LOG_LEVEL when they load (at the first request): warn shows retries and failures.
  process.env.LOG_LEVEL = 'warn';
  const events = countLogEvents();
  const stack = await startLocalStack({ provinceId: 'rush', port: 0 });
  try {
    // Warm up first: DynamoDB Local's JVM runs several times faster once its code is compiled, and the first
    // request loads the handler (a cold start). A small rush of its own (its unit, its checkpoint, its invariants
    // checked too) and bare puts; then the bare puts are timed half before and half after the rush, so both see
    // a table of about the same size.
    const warmUp = await rush(stack, { workers: Math.min(500, workers), phones });
    await barePuts(stack, 1_000, phones);
    const bareBefore = await barePuts(stack, Math.ceil(workers / 2), phones);
    console.error(`rush: ${workers} workers, ${phones} phones at once …`);
    const measured = await rush(stack, { workers, phones });
    const result = {
      ...measured,
      failures: [...warmUp.failures.map((f) => `warm-up: ${f}`), ...measured.failures],
    };
    const bareAfter = await barePuts(stack, Math.floor(workers / 2), phones);
    const bareMs = bareBefore.wallMs + bareAfter.wallMs;
    const bare = {
      n: bareBefore.n + bareAfter.n,
      concurrency: phones,
      putsPerSecond: round(((bareBefore.n + bareAfter.n) / bareMs) * 1000, 1),
      before: bareBefore,
      after: bareAfter,
    };
    const out = {
      ...result,
      barePut: bare,
      ratioCheckinsToBarePuts: round(result.checkinsPerSecond / bare.putsPerSecond, 3),
      ratioRequestsToBarePuts: round(result.requestsPerSecond / bare.putsPerSecond, 3),
      logEvents: Object.fromEntries([...events].sort()),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
    if (result.failures.length > 0) {
      console.error(`rush FAILED:\n  ${result.failures.join('\n  ')}`);
      process.exitCode = 1;
    }
  } finally {
    await stack.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
