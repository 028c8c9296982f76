/**
 * The Friday run as the state machine runs it, at a province's size: N checkpoints (7,000, 70,000, 700,000) under a
 * three-level tree, a week of activity, and the whole run — levels deepest first, each unit's own task (its own
 * checkpoints and counters, its children's stored summaries), a level's units a few at a time — timed. Then the
 * tasks that could be the largest, each alone in its own process as its Lambda runs it: the biggest commune, its
 * district, and the province. Their peak memory is what the 512 MB goal is about: a task's memory must follow one
 * unit's size, not the province's.
 *
 * The tree grows as provinces do: more districts and more communes, each commune with a few hundred to a thousand
 * checkpoints; one commune is a big town of 3,000 (the largest leaf report). Checkpoints are seeded with
 * BatchWriteItem (the items the registry writes, src/adapters/dynamo-registry.ts checkpointItems), the week's
 * activity as the daily counters the counting step keeps (13.5% of checkpoints used, as in Hải Hà).
 *
 *   node --openssl-legacy-provider --expose-gc --import tsx bench/weekly-scale.ts 70000   → one JSON line
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { makeDynamoClient, makeS3Client } from '../src/adapters/clients.ts';
import { DynamoActivity } from '../src/adapters/dynamo-activity.ts';
import { checkpointItems, DynamoRegistry } from '../src/adapters/dynamo-registry.ts';
import { S3Reports } from '../src/adapters/s3-reports.ts';
import { S3RunRecords } from '../src/adapters/s3-runs.ts';
import type { Config } from '../src/config.ts';
import { newCode } from '../src/core/codes.ts';
import type { Checkpoint, Principal } from '../src/core/model.ts';
import { canonicalName } from '../src/core/naming.ts';
import { mapLimit } from '../src/core/pool.ts';
import { daysOf, fixedClock, periodBounds, periodStartingAt } from '../src/core/time.ts';
import { createUnit } from '../src/core/units.ts';
import { reportUnit, type UnitTaskDeps } from '../src/core/weekly-report.ts';
import { executeRun } from '../src/core/weekly-run.ts';
import { keys } from '../src/keys.ts';
import { startLocalStack } from '../src/local/stack.ts';
import { renderReport } from '../src/render/index.ts';
import { renderReportChart } from '../src/render/report-chart.ts';

const execFileAsync = promisify(execFile);
const PROVINCE = 'bench-scale';
const BIG_LEAF = 3_000;
const ACTIVE_SHARE = 0.135;
const RULE = '{kind} - {placeName} - {address}';
const MB = 1024 * 1024;
const quiet = { emit: () => {} };

/** Districts and communes per district for a province of `n` checkpoints (Hanoi: 30 districts, 579 communes). */
function treeFor(n: number): { districts: number; communesPerDistrict: number } {
  if (n <= 10_000) return { districts: 10, communesPerDistrict: 15 };
  if (n <= 100_000) return { districts: 15, communesPerDistrict: 20 };
  return { districts: 30, communesPerDistrict: 20 };
}

export interface ScaleResult {
  checkpoints: number;
  units: number;
  /** Seeding: checkpoints and counters through BatchWriteItem. */
  seedMs: number;
  activeCheckpointDays: number;
  /** The whole run, all units, in one process as the local stand-in of the state machine runs it. */
  run: { ms: number; units: number; failed: number; peakRssMb: number };
  /** Each of the largest tasks alone in its own process (a Lambda's view). */
  tasks: { unitId: string; checkpoints: number; ms: number; peakRssMb: number }[];
  largestTask: string;
}

async function main(n: number) {
  const stack = await startLocalStack({ provinceId: PROVINCE, port: 0 });
  try {
    const db = makeDynamoClient(stack.config);
    const registry = new DynamoRegistry(db, stack.config.registryTable);
    const admin: Principal = { subject: 'bench', role: 'admin', unitId: PROVINCE };
    const period = periodStartingAt('2022-01-06');
    const createdAt = '2021-11-01T03:00:00.000Z';
    const deps = { units: registry, clock: fixedClock(createdAt), provinceId: PROVINCE };
    const seedStarted = performance.now();

    const { districts, communesPerDistrict } = treeFor(n);
    const communes: { id: string; name: string; path: string[] }[] = [];
    for (let d = 0; d < districts; d++) {
      await createUnit(deps, admin, {
        id: `d${d}`,
        name: `Huyện số ${d + 1}`,
        parentId: PROVINCE,
        kind: 'district',
      });
      for (let c = 0; c < communesPerDistrict; c++) {
        const id = `d${d}-c${c}`;
        const name = `Xã ${c + 1} huyện ${d + 1}`;
        await createUnit(deps, admin, { id, name, parentId: `d${d}`, kind: 'commune' });
        communes.push({ id, name, path: [PROVINCE, `d${d}`, id] });
      }
    }
    const homeOf = (i: number) =>
      i < BIG_LEAF ? communes[0]! : communes[1 + ((i - BIG_LEAF) % (communes.length - 1))]!;

    // The checkpoints, 12 batches of 25 items in flight (each checkpoint is two items: its code and itself).
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const days = daysOf(period);
    const counters: Record<string, unknown>[] = [];
    const pending: Record<string, unknown>[] = [];
    const flush = async (items: Record<string, unknown>[], table: string) => {
      const batches: Record<string, unknown>[][] = [];
      for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
      await mapLimit(batches, 12, (batch) => batchWrite(db, table, batch));
    };
    for (let i = 0; i < n; i++) {
      const unit = homeOf(i);
      const fields = {
        kind: i % 3 ? 'shop' : 'school',
        placeName: `Điểm ${i + 1}`,
        address: 'Thôn 1',
      } as const;
      const canonical = canonicalName(RULE, { ...fields, unitName: unit.name });
      const own = i % 7 === 0;
      const cp: Checkpoint = {
        id: `cp-${i}`,
        code: newCode(),
        name: own ? `Tên tự đặt ${i}` : canonical,
        ...fields,
        unitId: unit.id,
        unitName: unit.name,
        unitPath: unit.path,
        active: true,
        createdAt,
        canonicalName: canonical,
        followsNamingRule: !own,
      };
      pending.push(...checkpointItems(cp));
      if (random() < ACTIVE_SHARE) {
        for (const day of days) {
          if (random() >= 0.5) continue;
          const checkins = 1 + Math.floor(random() * 20);
          counters.push({
            ...keys.activity(unit.id, day, cp.id, 'seed'),
            unitId: unit.id,
            checkpointId: cp.id,
            day,
            checkins,
            people: checkins,
          });
        }
      }
      if (pending.length >= 5_000) await flush(pending.splice(0), stack.config.registryTable);
    }
    await flush(pending.splice(0), stack.config.registryTable);
    await flush(counters, stack.config.activityTable);
    const seedMs = Math.round(performance.now() - seedStarted);
    console.error(
      `seeded ${n} checkpoints and ${counters.length} counters in ${Math.round(seedMs / 1000)} s`,
    );

    const env = {
      ...process.env,
      BENCH_SCALE: JSON.stringify({ config: stack.config, start: period.start }),
    };
    const child = async (...args: string[]) => {
      const { stdout } = await execFileAsync(
        process.execPath,
        [
          '--openssl-legacy-provider',
          '--expose-gc',
          '--import',
          'tsx',
          fileURLToPath(import.meta.url),
          ...args,
        ],
        { encoding: 'utf8', env, maxBuffer: 16 * 1024 * 1024 },
      );
      return JSON.parse(stdout.trim().split('\n').pop()!);
    };
    const run = (await child('--run')) as ScaleResult['run'];
    console.error(`the whole run: ${Math.round(run.ms / 1000)} s, ${run.units} units, ${run.failed} failed`);
    const tasks: ScaleResult['tasks'] = [];
    for (const [unitId, checkpoints] of [
      [communes[0]!.id, BIG_LEAF],
      ['d0', null],
      [PROVINCE, n],
    ] as const) {
      const task = (await child('--task', unitId)) as { ms: number; peakRssMb: number };
      const size = checkpoints ?? [...Array(n).keys()].filter((i) => homeOf(i).path.includes(unitId)).length;
      tasks.push({ unitId, checkpoints: size, ...task });
    }
    const result: ScaleResult = {
      checkpoints: n,
      units: 1 + districts + communes.length,
      seedMs,
      activeCheckpointDays: counters.length,
      run,
      tasks,
      largestTask: [...tasks].sort((a, b) => b.peakRssMb - a.peakRssMb)[0]!.unitId,
    };
    console.log(JSON.stringify(result));
  } finally {
    await stack.stop();
  }
}

async function batchWrite(db: DynamoDBDocumentClient, table: string, items: Record<string, unknown>[]) {
  let requests = items.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; requests.length > 0; attempt++) {
    if (attempt > 0) await new Promise((ok) => setTimeout(ok, Math.min(1000, 50 * 2 ** attempt)));
    const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
    requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
  }
}

function taskDeps(): { deps: UnitTaskDeps; period: ReturnType<typeof periodStartingAt>; config: Config } {
  const { config, start } = JSON.parse(process.env.BENCH_SCALE!) as { config: Config; start: string };
  const db = makeDynamoClient(config);
  const registry = new DynamoRegistry(db, config.registryTable);
  const period = periodStartingAt(start);
  const deps: UnitTaskDeps = {
    units: registry,
    checkpoints: registry,
    activity: new DynamoActivity(db, config.activityTable),
    reports: new S3Reports(makeS3Client(config), config.reportsBucket),
    summaries: new S3RunRecords(makeS3Client(config), config.reportsBucket, config.provinceId),
    render: renderReport,
    chart: renderReportChart,
    clock: fixedClock(periodBounds(period).to.toISOString()),
    events: quiet,
    provinceId: config.provinceId,
  };
  return { deps, period, config };
}

/** The whole run in this process: every level, each unit's task, a few at a time (core/weekly-run.ts). */
async function runOnce(): Promise<ScaleResult['run']> {
  const { deps, period, config } = taskDeps();
  const started = performance.now();
  const run = await executeRun(
    { ...deps, runs: new S3RunRecords(makeS3Client(config), config.reportsBucket, config.provinceId) },
    { runId: `bench-${Date.now()}`, period, force: true },
  );
  return {
    ms: Math.round(performance.now() - started),
    units: run.units,
    failed: run.failed.length,
    peakRssMb: round1((process.resourceUsage().maxRSS * 1024) / MB),
  };
}

/** One unit's task alone, in this process: what the state machine's per-unit Lambda does. */
async function taskOnce(unitId: string): Promise<{ ms: number; peakRssMb: number }> {
  const { deps, period } = taskDeps();
  const started = performance.now();
  await reportUnit(deps, { unitId, label: unitId, period, force: true });
  return {
    ms: Math.round(performance.now() - started),
    peakRssMb: round1((process.resourceUsage().maxRSS * 1024) / MB),
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

if (process.argv[2] === '--run') console.log(JSON.stringify(await runOnce()));
else if (process.argv[2] === '--task') console.log(JSON.stringify(await taskOnce(process.argv[3]!)));
else await main(Number(process.argv[2] ?? 7_000));
