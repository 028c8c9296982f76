/**
 * The Friday run at a province's scale: 7,000 checkpoints in a three-level tree (province → 10 districts → 15
 * communes each; one commune holds 3,000 checkpoints, the largest leaf report), a week of activity, and the whole
 * weekly run — every unit's report read, rendered (XLSX with its chart, CSV, JSON, PNG) and uploaded to s3rver —
 * timed, with the process's peak memory, and the activity reads' consumed capacity at N and 10×N check-ins.
 *
 * The week's activity is written as the daily counters the check-in transaction keeps (the run reads nothing
 * else); (b) in bench/run.ts shows through real check-ins that the counters' reads do not grow with check-ins.
 *
 * Then the state machine's per-unit task alone, in its own process, for the biggest leaf, its district and the
 * province: each task's time and peak memory, and which is largest.
 *
 *   node --openssl-legacy-provider --expose-gc --import tsx bench/weekly.ts   → one JSON line
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { makeDynamoClient, makeS3Client } from '../src/adapters/clients.ts';
import { DynamoActivity } from '../src/adapters/dynamo-activity.ts';
import { DynamoRegistry } from '../src/adapters/dynamo-registry.ts';
import { S3Reports } from '../src/adapters/s3-reports.ts';
import { S3RunRecords } from '../src/adapters/s3-runs.ts';
import type { Config } from '../src/config.ts';
import { createCheckpoint } from '../src/core/checkpoints.ts';
import type { Principal } from '../src/core/model.ts';
import { mapLimit } from '../src/core/pool.ts';
import { daysOf, fixedClock, periodBounds, periodStartingAt } from '../src/core/time.ts';
import { createUnit } from '../src/core/units.ts';
import { reportUnit, runWeeklyReports } from '../src/core/weekly-report.ts';
import { keys } from '../src/keys.ts';
import { startLocalStack } from '../src/local/stack.ts';
import { renderReport } from '../src/render/index.ts';
import { renderReportChart } from '../src/render/report-chart.ts';

const execFileAsync = promisify(execFile);
const PROVINCE = 'bench-province';
const DISTRICTS = 10;
const COMMUNES_PER_DISTRICT = 15;
const CHECKPOINTS = 7_000;
const BIG_LEAF = 3_000;
/** The seeds' share of checkpoints used in a week: 874 of 6,468 in Hải Hà. */
const ACTIVE_SHARE = 0.135;
const MB = 1024 * 1024;
const quiet = { emit: () => {} };

type RunFigures = Omit<RunResult, 'reports' | 'largestLeafRows'> & { checkins: number };

export interface WeeklyBenchResult {
  checkpoints: number;
  units: number;
  reports: number;
  largestLeafRows: number;
  activeCheckpointDays: number;
  atN: RunFigures;
  at10N: RunFigures;
  readCapacityRatio: number;
  /**
   * The state machine's per-unit task, each in its own process as its Lambda runs it, for the units that
   * could be the largest: the biggest leaf (its 3,000 checkpoints), its district, the province (its children's
   * summaries). `largestTask` is the one with the highest peak memory.
   */
  tasks: TaskResult[];
  largestTask: string;
}

interface TaskResult {
  unitId: string;
  ms: number;
  peakRssMb: number;
}

async function main() {
  const stack = await startLocalStack({ provinceId: PROVINCE, port: 0 });
  try {
    console.log(JSON.stringify(await benchWeekly(stack)));
  } finally {
    await stack.stop();
  }
}

async function benchWeekly(stack: Awaited<ReturnType<typeof startLocalStack>>): Promise<WeeklyBenchResult> {
  const db = makeDynamoClient(stack.config);
  const registry = new DynamoRegistry(db, stack.config.registryTable);
  const admin: Principal = { subject: 'bench', role: 'admin', unitId: PROVINCE };
  const period = periodStartingAt('2022-01-06');
  const registered = fixedClock('2021-11-01T03:00:00.000Z');
  const deps = { units: registry, clock: registered, provinceId: PROVINCE };

  // The tree: 10 districts × 15 communes; the first commune is a big town.
  const communes: string[] = [];
  for (let d = 0; d < DISTRICTS; d++) {
    await createUnit(deps, admin, {
      id: `d${d}`,
      name: `Huyện số ${d + 1}`,
      parentId: PROVINCE,
      kind: 'district',
    });
    for (let c = 0; c < COMMUNES_PER_DISTRICT; c++) {
      const id = `d${d}-c${c}`;
      await createUnit(deps, admin, {
        id,
        name: `Xã ${c + 1} huyện ${d + 1}`,
        parentId: `d${d}`,
        kind: 'commune',
      });
      communes.push(id);
    }
  }
  const homes = Array.from({ length: CHECKPOINTS }, (_, i) =>
    i < BIG_LEAF ? communes[0]! : communes[1 + ((i - BIG_LEAF) % (communes.length - 1))]!,
  );
  const checkpoints = await mapLimit([...homes.entries()], 16, async ([i, unitId]) => {
    const { checkpoint } = await createCheckpoint(
      {
        units: registry,
        checkpoints: registry,
        clock: registered,
        publicBaseUrl: 'http://x',
        namingRule: '{placeName}',
      },
      admin,
      unitId,
      {
        kind: i % 3 ? 'shop' : 'school',
        placeName: `Điểm ${i + 1}`,
        address: 'Thôn 1',
        ...(i % 7 ? {} : { name: `Tên tự đặt ${i}` }),
      },
    );
    return checkpoint;
  });

  // A week of counters: 13.5% of checkpoints used, each on a few days; the same checkpoint-days at N and 10×N.
  const days = daysOf(period);
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const counters: { unitId: string; checkpointId: string; day: string; checkins: number }[] = [];
  for (const cp of checkpoints) {
    if (random() >= ACTIVE_SHARE) continue;
    for (const day of days)
      if (random() < 0.5)
        counters.push({
          unitId: cp.unitId,
          checkpointId: cp.id,
          day,
          checkins: 1 + Math.floor(random() * 20),
        });
  }
  const writeCounters = async (factor: number) => {
    const batches: (typeof counters)[] = [];
    for (let i = 0; i < counters.length; i += 25) batches.push(counters.slice(i, i + 25));
    await mapLimit(batches, 8, async (batch) => {
      await db.send(
        new BatchWriteCommand({
          RequestItems: {
            [stack.config.activityTable]: batch.map((c) => ({
              PutRequest: {
                Item: {
                  ...keys.activity(c.unitId, c.day, c.checkpointId, 'seed'),
                  ...c,
                  checkins: c.checkins * factor,
                  people: c.checkins * factor,
                },
              },
            })),
          },
        }),
      );
    });
    return counters.reduce((total, c) => total + c.checkins * factor, 0);
  };

  // Each run in its own process, as a Lambda runs it: its peak memory is the run's alone (not the seeding's,
  // not s3rver's, which serves from this process).
  // Asynchronously: s3rver answers the child's uploads from this process's event loop.
  const run = async (checkins: number) => {
    const { stdout: out } = await execFileAsync(
      process.execPath,
      [
        '--openssl-legacy-provider',
        '--expose-gc',
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--run',
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, BENCH_WEEKLY: JSON.stringify({ config: stack.config, start: period.start }) },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    const result = JSON.parse(out.trim().split('\n').pop()!) as RunResult;
    return { ...result, checkins };
  };

  const atN = await run(await writeCounters(1));
  // After the whole run at N: every unit's summary is stored, so any one task can run alone.
  const tasks: TaskResult[] = [];
  for (const unitId of [communes[0]!, 'd0', PROVINCE]) {
    const { stdout: out } = await execFileAsync(
      process.execPath,
      [
        '--openssl-legacy-provider',
        '--expose-gc',
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--task',
        unitId,
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, BENCH_WEEKLY: JSON.stringify({ config: stack.config, start: period.start }) },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    tasks.push(JSON.parse(out.trim().split('\n').pop()!) as TaskResult);
  }
  const at10N = await run(await writeCounters(10));
  const { reports, largestLeafRows, ...figuresN } = atN;
  const { reports: _reports, largestLeafRows: _rows, ...figures10N } = at10N;
  return {
    checkpoints: checkpoints.length,
    units: 1 + DISTRICTS + communes.length,
    reports,
    largestLeafRows,
    activeCheckpointDays: counters.length,
    atN: figuresN,
    at10N: figures10N,
    readCapacityRatio: Math.round((at10N.activityReadCapacity / atN.activityReadCapacity) * 100) / 100,
    tasks,
    largestTask: [...tasks].sort((a, b) => b.peakRssMb - a.peakRssMb)[0]!.unitId,
  };
}

interface RunResult {
  reports: number;
  largestLeafRows: number;
  ms: number;
  /** The run's process at its peak (maxRSS), and before the run began. */
  peakRssMb: number;
  startRssMb: number;
  activityReadCapacity: number;
}

/** The weekly run alone, in this process: what a scheduled Lambda does on Friday. */
async function runOnce(): Promise<RunResult> {
  const { config, start } = JSON.parse(process.env.BENCH_WEEKLY!) as { config: Config; start: string };
  const db = makeDynamoClient(config);
  const registry = new DynamoRegistry(db, config.registryTable);
  const activity = new DynamoActivity(db, config.activityTable);
  const period = periodStartingAt(start);
  collectGarbage();
  const startRss = process.memoryUsage().rss;
  const started = performance.now();
  const stored = await runWeeklyReports(
    {
      units: registry,
      checkpoints: registry,
      activity,
      reports: new S3Reports(makeS3Client(config), config.reportsBucket),
      render: renderReport,
      chart: renderReportChart,
      clock: fixedClock(periodBounds(period).to.toISOString()),
      events: quiet,
      provinceId: config.provinceId,
      // Stored, as the state machine's tasks store them: the per-unit tasks below read them.
      summaries: new S3RunRecords(makeS3Client(config), config.reportsBucket, config.provinceId),
    },
    period,
  );
  const ms = performance.now() - started;
  return {
    reports: stored.length,
    largestLeafRows: Math.max(...stored.map((r) => r.rows)),
    ms: Math.round(ms),
    peakRssMb: round1((process.resourceUsage().maxRSS * 1024) / MB),
    startRssMb: round1(startRss / MB),
    activityReadCapacity: round1(activity.consumedReadCapacity),
  };
}

/** One unit's task alone, in this process: what the state machine's per-unit Lambda does. */
async function taskOnce(unitId: string): Promise<TaskResult> {
  const { config, start } = JSON.parse(process.env.BENCH_WEEKLY!) as { config: Config; start: string };
  const db = makeDynamoClient(config);
  const registry = new DynamoRegistry(db, config.registryTable);
  const period = periodStartingAt(start);
  const started = performance.now();
  await reportUnit(
    {
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
    },
    { unitId, label: unitId, period },
  );
  return {
    unitId,
    ms: Math.round(performance.now() - started),
    peakRssMb: round1((process.resourceUsage().maxRSS * 1024) / MB),
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function collectGarbage() {
  (globalThis as { gc?: () => void }).gc?.();
}

if (process.argv[2] === '--run') console.log(JSON.stringify(await runOnce()));
else if (process.argv[2] === '--task') console.log(JSON.stringify(await taskOnce(process.argv[3]!)));
else await main();
