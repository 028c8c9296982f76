/**
 * (j) What a contact search costs: a person with 14 days of visits at busy checkpoints (3 markets, each with
 * `perDay` check-ins a day: half in, half out 20 minutes later), seeded with BatchWriteItem as the check-in path
 * stores them; then the core's contact search (src/core/tracing.ts contactsOf, as GET /v1/phones/{phone}/contacts
 * runs it) over the 14 days: its time, its queries and the read capacity they consumed (ReturnConsumedCapacity from
 * DynamoDB Local, on every Query). It reads the person's own partition (by keyed hash) and one partition per
 * checkpoint-day they visited — never a scan — so the capacity grows with the checkpoints' busyness on those days,
 * not with the table.
 *
 *   node --openssl-legacy-provider --import tsx bench/tracing.ts [perDay]   → one JSON line
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { makeDynamoClient } from '../src/adapters/clients.ts';
import { DynamoCheckins } from '../src/adapters/dynamo-checkins.ts';
import { makePhoneVault } from '../src/adapters/phone-vault.ts';
import type { Checkin } from '../src/core/model.ts';
import { mapLimit } from '../src/core/pool.ts';
import { localDay } from '../src/core/time.ts';
import { contactsOf } from '../src/core/tracing.ts';
import { keys } from '../src/keys.ts';
import { startLocalStack } from '../src/local/stack.ts';

export interface TracingBenchResult {
  checkpoints: number;
  days: number;
  checkinsPerCheckpointDay: number;
  checkinsStored: number;
  personVisits: number;
  seedMs: number;
  contacts: number;
  contactsMs: number;
  queries: number;
  readCapacityUnits: number;
}

const DAYS = 14;
const CHECKPOINTS = 3;
const PERSON = '+84912345678';
const MOBILE = (i: number) => `+849${String(20_000_000 + i).padStart(8, '0')}`;

export async function benchTracing(perDay = 2_000): Promise<TracingBenchResult> {
  const stack = await startLocalStack({ provinceId: 'bench', port: 0 });
  const db = makeDynamoClient(stack.config);
  try {
    const vault = makePhoneVault(stack.phones);
    const now = Date.now();
    const dayStart = (d: number) => {
      const t = new Date(now - (DAYS - d) * 86_400_000);
      // 07:00 in Vietnam (00:00 UTC) of that day: the markets' morning.
      return Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate());
    };
    const items: Record<string, unknown>[] = [];
    const add = async (phone: string, checkpointId: string, inAt: number, minutes: number) => {
      const [phoneHash, sealedPhone] = [await vault.hash(phone), await vault.seal(phone)];
      for (const [direction, at] of [
        ['in', new Date(inAt)],
        ['out', new Date(inAt + minutes * 60_000)],
      ] as const) {
        const c: Checkin = {
          id: randomUUID(),
          checkpointId,
          unitId: 'bench',
          phoneHash,
          sealedPhone,
          direction,
          method: 'web',
          at: at.toISOString(),
          day: localDay(at),
          receivedAt: at.toISOString(),
          expiresAt: Math.floor(now / 1000) + 28 * 86_400,
        };
        items.push({
          ...keys.checkin(c.phoneHash, c.id),
          ...keys.checkinByCheckpoint(c.checkpointId, c.day, c.at, c.id),
          ...c,
        });
      }
    };
    let personVisits = 0;
    let visitor = 0;
    for (let d = 0; d < DAYS; d++) {
      for (let k = 0; k < CHECKPOINTS; k++) {
        const cp = `market-${k}`;
        // The day's crowd over ten hours; each visitor a distinct phone that day.
        for (let i = 0; i < perDay / 2; i++) {
          await add(
            MOBILE(visitor++ % 200_000),
            cp,
            dayStart(d) + Math.floor((i / (perDay / 2)) * 36_000_000),
            20,
          );
        }
        // The person: at two of the three markets every day, an hour mid-morning.
        if (k < 2) {
          await add(PERSON, cp, dayStart(d) + 3 * 3_600_000 + k * 3_600_000, 60);
          personVisits++;
        }
      }
    }
    const seedStarted = performance.now();
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

    // Every Query asks for its consumed capacity, and it is summed: the adapter is the one the function uses.
    const counted = makeDynamoClient(stack.config);
    let queries = 0;
    let readCapacityUnits = 0;
    counted.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { ReturnConsumedCapacity?: string; IndexName?: string };
        if (input.IndexName) input.ReturnConsumedCapacity = 'TOTAL';
        const out = await next(args);
        if (input.IndexName) {
          queries++;
          const output = out.output as { ConsumedCapacity?: { CapacityUnits?: number } };
          readCapacityUnits += output.ConsumedCapacity?.CapacityUnits ?? 0;
        }
        return out;
      },
      { step: 'initialize', name: 'benchConsumedCapacity' },
    );
    const checkins = new DynamoCheckins(
      counted,
      { checkins: stack.config.checkinsTable },
      { emit: () => {} },
    );
    const from = new Date(dayStart(0));
    const to = new Date(dayStart(DAYS - 1) + 86_400_000);
    const started = performance.now();
    const contacts = await contactsOf({ checkins, phones: vault }, PERSON, from, to);
    const contactsMs = performance.now() - started;
    counted.destroy();

    return {
      checkpoints: CHECKPOINTS,
      days: DAYS,
      checkinsPerCheckpointDay: perDay,
      checkinsStored: items.length,
      personVisits,
      seedMs: Math.round(seedMs),
      contacts: contacts.length,
      contactsMs: Math.round(contactsMs),
      queries,
      readCapacityUnits: Math.round(readCapacityUnits * 10) / 10,
    };
  } finally {
    db.destroy();
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchTracing(process.argv[2] ? Number(process.argv[2]) : undefined)));
}
