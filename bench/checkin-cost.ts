/**
 * Capacity units per check-in, through the local HTTP path: `node --import tsx bench/checkin-cost.ts`.
 *
 * Every DynamoDB call made in this process (the handlers behind the local server, and the local stand-in of the
 * counting function) is sent with ReturnConsumedCapacity=INDEXES, and what DynamoDB Local answers is summed: read
 * units for GetItem, Query, Scan, BatchGet and TransactGet, write units for the rest, per table and index. Two
 * workloads, each check-in a POST /v1/checkins with a fresh id:
 * - rush: 1,000 phones at one gate, then one counting round (a minute of a factory's morning);
 * - spread: 1,000 check-ins over 200 checkpoints, a counting round after every 50 (each round finds about one
 *   check-in per checkpoint-day: the worst case for counting in batches, as a quiet province's minute). Its
 *   rounds run in scaled time (SCALED: 2 s for a minute), so the counting step's batching holds a quiet
 *   checkpoint-day for as many rounds as it would in AWS; rounds go on after the last check-in until nothing
 *   is held, and all of them are measured.
 * Counting rounds run only when the bench asks (the local stand-in's timer is off), so each is measured; where the
 * code has no counting step (before: the counter is in the check-in's transaction), the rounds are skipped.
 * Prints one JSON line. The same file runs against an older checkout (bench/checkin-cost-compare.sh).
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapLimit } from '../src/core/pool.ts';
import { type LocalStack, startLocalStack } from '../src/local/stack.ts';

const READS = /^(Get|Query|Scan|BatchGet|TransactGet)/;
const CAPACITY =
  /^(Get|Put|Update|Delete|Query|Scan|BatchGet|BatchWrite|TransactGet|TransactWrite)(Item)?Command$/;

interface Units {
  read: number;
  write: number;
  /** Per table or `table/index`, read and write. */
  by: Record<string, { read: number; write: number }>;
}
const zero = (): Units => ({ read: 0, write: 0, by: {} });
let meter = zero();

interface Consumed {
  TableName?: string;
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
  LocalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

function add(kind: 'read' | 'write', consumed: Consumed | Consumed[] | undefined) {
  for (const c of [consumed ?? []].flat()) {
    const table = (c.TableName ?? '?').replace(/^.*-(registry|checkins|activity|tracing|audit)$/, '$1');
    meter[kind] += c.CapacityUnits ?? 0;
    const parts: [string, number][] = [
      [table, c.Table?.CapacityUnits ?? c.CapacityUnits ?? 0],
      ...Object.entries(c.GlobalSecondaryIndexes ?? {}).map(
        ([name, v]) => [`${table}/${name}`, v.CapacityUnits ?? 0] as [string, number],
      ),
    ];
    // With indexes broken out, the table's own part is the total less its indexes'.
    if (c.GlobalSecondaryIndexes && c.Table?.CapacityUnits === undefined) {
      parts[0]![1] -= parts.slice(1).reduce((s, [, n]) => s + n, 0);
    }
    for (const [name, n] of parts) {
      const slot = meter.by[name] ?? { read: 0, write: 0 };
      slot[kind] += n;
      meter.by[name] = slot;
    }
  }
}

/** Wraps `send` of the SDK's base client (DynamoDB's and the document client's), once. */
function meterDynamo() {
  const bases = new Set([
    Object.getPrototypeOf(DynamoDBClient.prototype),
    Object.getPrototypeOf(DynamoDBDocumentClient.prototype),
  ]);
  for (const base of bases) {
    const send = base.send as (...args: unknown[]) => Promise<unknown>;
    base.send = async function (
      this: unknown,
      command: { constructor: { name: string }; input: any },
      ...rest: unknown[]
    ) {
      const name = command?.constructor?.name ?? '';
      const isDynamo = this instanceof DynamoDBClient || this instanceof DynamoDBDocumentClient;
      if (!isDynamo || !CAPACITY.test(name)) return send.call(this, command, ...rest);
      command.input.ReturnConsumedCapacity = 'INDEXES';
      const kind = READS.test(name) ? 'read' : 'write';
      try {
        const out = (await send.call(this, command, ...rest)) as { ConsumedCapacity?: Consumed | Consumed[] };
        add(kind, out?.ConsumedCapacity);
        return out;
      } catch (err) {
        // A refused conditional write still consumed its units (DynamoDB charges it).
        add(kind, (err as { $response?: unknown; ConsumedCapacity?: Consumed }).ConsumedCapacity);
        throw err;
      }
    };
  }
}

async function post(stack: LocalStack, path: string, body: unknown, token?: string) {
  const res = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

const mobile = (i: number) => `09${String(10_000_000 + i)}`;
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

function perCheckin(units: Units, n: number) {
  const by = Object.fromEntries(
    Object.entries(units.by)
      .filter(([, v]) => v.read || v.write)
      .map(([k, v]) => [k, { read: round(v.read / n), write: round(v.write / n) }]),
  );
  return {
    read: round(units.read / n),
    write: round(units.write / n),
    total: round((units.read + units.write) / n),
    by,
  };
}

/**
 * The counting function's rounds in scaled time: a round a minute in AWS is a round every `roundMs` here, and its
 * batching (COUNT_BATCHING: a quiet checkpoint-day held up to 5 minutes, counted at once from 5 check-ins) is
 * held for the same number of rounds. Code without batching ignores the option and counts each round whole.
 */
const SCALED = { roundMs: 2_000, batching: { holdMs: 5 * 2_000, enough: 5, now: Date.now } };

type Count = (options?: { batching?: typeof SCALED.batching }) => Promise<{ held?: number } | undefined>;

async function workload(
  stack: LocalStack,
  name: string,
  codes: string[],
  options: { checkins: number; countEvery: number; scaled?: typeof SCALED },
) {
  const count = (stack as { count?: Count }).count?.bind(stack);
  // Whatever an earlier step stored is counted before this workload's meter starts.
  if (count) await count();
  const request = zero();
  const counting = zero();
  const at = new Date().toISOString();
  const began = Date.now();
  let sent = 0;
  let rounds = 0;
  const countingRound = async () => {
    meter = counting;
    rounds++;
    const scaled = options.scaled;
    if (!scaled) return count?.();
    // Each round at its own time: the k-th a k-th `roundMs` after the workload began.
    const wait = began + rounds * scaled.roundMs - Date.now();
    if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
    return count?.({ batching: scaled.batching });
  };
  for (let start = 0; start < options.checkins; start += options.countEvery) {
    meter = request;
    const ids = Array.from(
      { length: Math.min(options.countEvery, options.checkins - start) },
      (_, i) => start + i,
    );
    await mapLimit(ids, 8, async (i) => {
      const res = await post(stack, '/v1/checkins', {
        id: randomUUID(),
        code: codes[i % codes.length],
        phone: mobile(i),
        direction: 'in',
        at,
      });
      if (res.status !== 201) throw new Error(`${name}: a check-in answered ${res.status}`);
      sent++;
    });
    if (count) await countingRound();
  }
  // Rounds go on (no new check-ins) until nothing is held back: what they write is the workload's too.
  if (count && options.scaled) while (((await countingRound())?.held ?? 0) > 0);
  meter = zero();
  const total: Units = {
    read: request.read + counting.read,
    write: request.write + counting.write,
    by: {},
  };
  return {
    checkins: sent,
    checkpoints: codes.length,
    countingRounds: count ? rounds : 0,
    ...(options.scaled
      ? { scaled: { roundMs: options.scaled.roundMs, holdMs: options.scaled.batching.holdMs } }
      : {}),
    request: perCheckin(request, sent),
    counting: perCheckin(counting, sent),
    total: {
      read: round(total.read / sent),
      write: round(total.write / sent),
      units: round((total.read + total.write) / sent),
    },
  };
}

async function main() {
  meterDynamo();
  const stack = await startLocalStack({ provinceId: 'cost', port: 0, countEveryMs: 0 });
  try {
    const admin = await stack.token('admin', 'cost');
    const unit = await post(
      stack,
      '/v1/units',
      { id: 'cost-unit', name: 'Xã Quảng Đức', parentId: 'cost' },
      admin,
    );
    if (unit.status !== 201) throw new Error(`creating the unit answered ${unit.status}`);
    const codes: string[] = [];
    for (let i = 0; i < 200; i++) {
      const cp = await post(
        stack,
        '/v1/units/cost-unit/checkpoints',
        { kind: 'shop', placeName: `Cửa hàng ${i}`, address: 'Quảng Đức' },
        admin,
      );
      if (cp.status !== 201) throw new Error(`creating a checkpoint answered ${cp.status}`);
      codes.push(cp.json.code);
    }
    // Warm-up: the handler's cold start, the phone key and secret, the JVM.
    await workload(stack, 'warm-up', codes.slice(0, 10), { checkins: 100, countEvery: 100 });
    const rush = await workload(stack, 'rush', codes.slice(0, 1), { checkins: 1_000, countEvery: 1_000 });
    const spread = await workload(stack, 'spread', codes, {
      checkins: 1_000,
      countEvery: 50,
      scaled: SCALED,
    });
    process.stdout.write(`${JSON.stringify({ measuredAt: new Date().toISOString(), rush, spread })}\n`);
  } finally {
    await stack.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
