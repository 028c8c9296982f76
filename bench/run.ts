/**
 * `npm run bench`: the figures quoted in the issues' notes, measured in one run so ratios share the machine's
 * load. Writes bench/results.json and bench/RESULTS.md (committed).
 *
 * (a) a check-in through the local HTTP server against a bare DynamoDB PutItem to the same DynamoDB Local;
 * (b) the weekly aggregation's consumed read capacity at N and at 10×N check-ins over the same checkpoints;
 * (c) XLSX rendering of 100k rows: time and peak memory (in a child process, so RSS is its own);
 * (d) each Lambda's bundle, built by esbuild as the CDK stack builds it (bench/bundles.ts);
 * (g) the rush: 5,000 workers at one gate, each check-in sent twice, through the local server (bench/rush.ts);
 * (h) the Friday run for a province of 7,000 checkpoints in three levels (bench/weekly.ts);
 * (i) a 100,000-row workbook imported as a job, then uploaded again (bench/import-job.ts);
 * (j) an exposure alert to 10,000 phones, approved to sent, each phone once (bench/alerts.ts);
 * (k) a contact search over 14 days of visits at busy markets: time and consumed read capacity (bench/tracing.ts);
 * (l) the staff console's first screen, gzipped (bench/console.ts);
 * (m) capacity units per check-in through the local HTTP path (bench/checkin-cost.ts);
 * (n) the Friday run as the state machine runs it at 7,000, 70,000 and 700,000 checkpoints (bench/weekly-scale.ts;
 *     BENCH_SCALE_SIZES=7000,70000 to leave the largest out);
 * (o) the weight of the pages people scan, /c/, /c, /g/ and /sw.js, raw and gzipped (bench/pages.ts).
 * (p) the check-in function's cold start: its bundle imported in a fresh node process, 20 times (bench/cold-start.ts;
 *     the "before Powertools" figure is bench/cold-start.json's, measured once from main's code).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { makeDynamoClient } from '../src/adapters/clients.ts';
import { DynamoActivity } from '../src/adapters/dynamo-activity.ts';
import { DynamoCheckins } from '../src/adapters/dynamo-checkins.ts';
import { DynamoRegistry } from '../src/adapters/dynamo-registry.ts';
import { makePhoneVault } from '../src/adapters/phone-vault.ts';
import { recordCheckin } from '../src/core/checkins.ts';
import { createCheckpoint } from '../src/core/checkpoints.ts';
import type { Principal } from '../src/core/model.ts';
import { mapLimit } from '../src/core/pool.ts';
import { fixedClock, periodBounds, previousCompletePeriod } from '../src/core/time.ts';
import { createUnit } from '../src/core/units.ts';
import { runWeeklyReports } from '../src/core/weekly-report.ts';
import { REPO_ROOT } from '../src/local/repo.ts';
import { startLocalStack } from '../src/local/stack.ts';
import { renderReport } from '../src/render/index.ts';
import { renderReportChart } from '../src/render/report-chart.ts';
import { bundleSizes } from './bundles.ts';
import { COLD_START_FILE, coldStart, storedBefore } from './cold-start.ts';
import { benchConsole } from './console.ts';
import { benchImport } from './import.ts';
import { benchPages } from './pages.ts';
import { BARE_HASH, BARE_SEALED } from './rush.ts';

const ROOT = REPO_ROOT;
const quiet = { emit: () => {} };
/** The rush: a factory gate's morning; 50 phones at once carry 50–100 requests in flight (each a worker's two sends). */
const RUSH = { workers: 5_000, phones: 50 };
const MOBILE = (i: number) => `09${String(10_000_000 + (i % 89_999_999)).padStart(8, '0')}`;

function stats(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const mean = ms.reduce((s, x) => s + x, 0) / ms.length;
  return { n: ms.length, meanMs: round(mean), p50Ms: round(at(0.5)), p95Ms: round(at(0.95)) };
}
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main() {
  const stack = await startLocalStack({ provinceId: 'bench', port: 0 });
  const db = makeDynamoClient(stack.config);
  const registry = new DynamoRegistry(db, stack.config.registryTable);
  const principal: Principal = { subject: 'bench', role: 'admin', unitId: 'bench' };
  const period = previousCompletePeriod(new Date());
  const { from } = periodBounds(period);
  const longAgo = fixedClock(new Date(from.getTime() - 30 * 86_400_000).toISOString());
  const results: Record<string, unknown> = { measuredAt: new Date().toISOString(), node: process.version };

  try {
    // Units and checkpoints for all parts: 10 communes × 20 checkpoints.
    const deps = { units: registry, clock: longAgo, provinceId: 'bench' };
    await createUnit(deps, principal, { id: 'district', name: 'District', parentId: 'bench' });
    const codes: { unitId: string; code: string }[] = [];
    for (let u = 0; u < 10; u++) {
      const unitId = `commune-${u}`;
      await createUnit(deps, principal, { id: unitId, name: `Commune ${u}`, parentId: 'district' });
      for (let c = 0; c < 20; c++) {
        const cp = await createCheckpoint(
          {
            units: registry,
            checkpoints: registry,
            clock: longAgo,
            publicBaseUrl: 'http://x',
            namingRule: '{placeName}',
          },
          principal,
          unitId,
          { kind: 'shop', placeName: `Shop ${u}-${c}`, address: '-' },
        );
        codes.push({ unitId, code: cp.checkpoint.code });
      }
    }

    // (a) HTTP check-in vs bare PutItem, interleaved in rounds so both see the same load.
    const http: number[] = [];
    const bare: number[] = [];
    const at = new Date(from.getTime() + 3_600_000).toISOString();
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 50; i++) {
        const code = codes[(round * 50 + i) % codes.length]!.code;
        http.push(
          await timed(async () => {
            const res = await fetch(`${stack.url}/v1/checkins`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ id: randomUUID(), code, phone: MOBILE(i), at }),
            });
            if (res.status !== 201) throw new Error(`check-in answered ${res.status}`);
            await res.arrayBuffer();
          }),
        );
        bare.push(
          await timed(() =>
            db.send(
              new PutCommand({
                TableName: stack.config.checkinsTable,
                // A check-in's size without its keys' work: a phone hash and a sealed number's length.
                Item: {
                  pk: `bare#${randomUUID()}`,
                  sk: 'bare',
                  phoneHash: BARE_HASH,
                  sealedPhone: BARE_SEALED,
                  at,
                },
              }),
            ),
          ),
        );
      }
    }
    const httpStats = stats(http);
    const bareStats = stats(bare);
    results.checkinVsBareWrite = {
      httpCheckin: httpStats,
      bareDynamoPut: bareStats,
      ratioMean: round(httpStats.meanMs / bareStats.meanMs),
      ratioP50: round(httpStats.p50Ms / bareStats.p50Ms),
      note: 'Sequential, one request at a time, interleaved; the check-in is one GetItem (the code) + one TransactWriteItems (check-in with 2 GSIs + daily counter) + HTTP + validation',
    };
    console.error('(a)', JSON.stringify(results.checkinVsBareWrite));

    // (b) aggregation read capacity at N and 10×N check-ins over the same 200 checkpoints.
    const checkins = new DynamoCheckins(db, { checkins: stack.config.checkinsTable }, quiet);
    const phones = makePhoneVault(stack.phones);
    // N = one check-in for every checkpoint and day, so N and 10×N touch the same checkpoint-days: the report's
    // reads should then not change at all, however many check-ins each counter holds.
    const N = codes.length * 7;
    let next = 0;
    let posted = http.length; // (a)'s check-ins landed in the period too (day 0): counted, on days N covers anyway
    const post = async (count: number) => {
      const jobs = Array.from({ length: count }, (_, i) => next + i);
      next += count;
      posted += count;
      await mapLimit(jobs, 16, async (i) => {
        const { code } = codes[i % codes.length]!;
        const day = Math.floor(i / codes.length) % 7;
        const scanAt = new Date(
          from.getTime() + day * 86_400_000 + ((i * 7_919) % 86_400) * 1000,
        ).toISOString();
        await recordCheckin(
          {
            checkpoints: registry,
            checkins,
            phones,
            clock: fixedClock(new Date().toISOString()),
            events: quiet,
            retentionDays: 28,
          },
          { code, phone: MOBILE(i), direction: i % 2 ? 'out' : 'in', at: scanAt, method: 'app' },
        );
      });
    };
    const aggregate = async () => {
      const activity = new DynamoActivity(db, stack.config.activityTable);
      const stored = await runWeeklyReports(
        {
          units: registry,
          checkpoints: registry,
          activity,
          reports: { put: async () => {}, list: async () => [], exists: async () => false },
          render: renderReport,
          chart: renderReportChart,
          clock: fixedClock(new Date().toISOString()),
          events: quiet,
          provinceId: 'bench',
        },
        period,
      );
      return { activityReadCapacity: round(activity.consumedReadCapacity, 1), reports: stored.length };
    };
    // The counters from (a)'s check-ins are part of the N baseline too; what matters is N → 10×N.
    await post(N);
    // The counters are the counting step's: what it has not read from the stream yet is counted first.
    await stack.count();
    const atN = { checkins: posted, ...(await aggregate()) };
    await post(9 * posted); // ten times as many check-ins in all
    await stack.count();
    const at10N = { checkins: posted, ...(await aggregate()) };
    results.aggregationReadCapacity = {
      checkpoints: codes.length,
      days: 7,
      atN,
      at10N,
      ratio: round(at10N.activityReadCapacity / atN.activityReadCapacity),
      note: 'Consumed read capacity of the activity-counter queries (ReturnConsumedCapacity from DynamoDB Local); registry reads are the same checkpoint listing in both runs',
    };
    console.error('(b)', JSON.stringify(results.aggregationReadCapacity));

    // (e) importing 7,000 checkpoints from one XLSX.
    results.import7000 = await benchImport(stack, await stack.token('admin', 'bench'));
    console.error('(e)', JSON.stringify(results.import7000));
  } finally {
    await stack.stop();
  }

  // (c) XLSX at 100k rows, in its own process.
  const xlsx = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench/xlsx-100k.ts')],
    {
      encoding: 'utf8',
    },
  );
  results.xlsx100kRows = JSON.parse(xlsx.trim().split('\n').pop()!);
  console.error('(c)', JSON.stringify(results.xlsx100kRows));

  // (f) posters: 1,000 streamed into one PDF, in their own process.
  const posters = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench/posters.ts'), '1000', '--line'],
    {
      encoding: 'utf8',
    },
  );
  results.posters = JSON.parse(posters.trim().split('\n').pop()!);
  console.error('(f)', JSON.stringify(results.posters));

  // (g) the rush, in its own process with its own local stack (the handlers read their tables when they load:
  // one stack per process). A broken invariant exits non-zero, and execFileSync throws: the benchmark fails.
  const rush = execFileSync(
    process.execPath,
    [
      '--openssl-legacy-provider',
      '--import',
      'tsx',
      join(ROOT, 'bench/rush.ts'),
      String(RUSH.workers),
      String(RUSH.phones),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
  );
  results.rush = JSON.parse(rush.trim().split('\n').pop()!);
  console.error('(g)', JSON.stringify(results.rush));

  // (m) capacity units per check-in, through the local HTTP path, in its own process with its own local stack.
  const cost = execFileSync(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', join(ROOT, 'bench/checkin-cost.ts')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 },
  );
  results.checkinCost = JSON.parse(cost.trim().split('\n').pop()!);
  console.error('(m)', JSON.stringify(results.checkinCost));

  // (h) the weekly run at a province's scale, in its own processes (bench/weekly.ts).
  const weekly = execFileSync(
    process.execPath,
    ['--openssl-legacy-provider', '--expose-gc', '--import', 'tsx', join(ROOT, 'bench/weekly.ts')],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 },
  );
  results.weekly = JSON.parse(weekly.trim().split('\n').pop()!);
  console.error('(h)', JSON.stringify(results.weekly));

  // (n) the Friday run at a province's size, each size in its own process with its own local stack.
  results.weeklyScale = (process.env.BENCH_SCALE_SIZES ?? '7000,70000,700000').split(',').map((size) => {
    const out = execFileSync(
      process.execPath,
      [
        '--openssl-legacy-provider',
        '--expose-gc',
        '--import',
        'tsx',
        join(ROOT, 'bench/weekly-scale.ts'),
        size,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 },
    );
    const figures = JSON.parse(out.trim().split('\n').pop()!);
    console.error('(n)', JSON.stringify(figures));
    return figures;
  });

  // (i) a province's workbook as an import job, in its own process (its RSS is the job's).
  const importJob = execFileSync(
    process.execPath,
    [
      '--openssl-legacy-provider',
      '--expose-gc',
      '--import',
      'tsx',
      join(ROOT, 'bench/import-job.ts'),
      '100000',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 },
  );
  results.importJob = JSON.parse(importJob.trim().split('\n').pop()!);
  console.error('(i)', JSON.stringify(results.importJob));
  // (j) an exposure alert to 10,000 phones, in its own process with its own local stack (bench/alerts.ts): it
  // exits non-zero if a phone got no message or two, and execFileSync throws.
  const alert = execFileSync(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', join(ROOT, 'bench/alerts.ts'), '10000'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 },
  );
  results.alert10k = JSON.parse(alert.trim().split('\n').pop()!);
  console.error('(j)', JSON.stringify(results.alert10k));

  // (k) the contacts of a person with 14 days of visits at three markets of 2,000 check-ins a day (bench/tracing.ts).
  const tracing = execFileSync(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', join(ROOT, 'bench/tracing.ts'), '2000'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 },
  );
  results.tracingContacts = JSON.parse(tracing.trim().split('\n').pop()!);
  console.error('(k)', JSON.stringify(results.tracingContacts));

  // (d) bundle sizes, with the CDK stack's esbuild settings (bench/bundles.ts).
  const bundles = await bundleSizes();
  results.bundleBytes = bundles;
  console.error('(d)', JSON.stringify(bundles));

  // (p) the check-in bundle's init under Node, this tree against the stored figure of main before Powertools.
  results.coldStart = { before: storedBefore(), after: await coldStart(ROOT) };
  writeFileSync(
    COLD_START_FILE,
    `${JSON.stringify({ measuredAt: results.measuredAt, node: process.version, ...(results.coldStart as object) }, null, 2)}\n`,
  );
  console.error('(p)', JSON.stringify(results.coldStart));

  results.console = await benchConsole();
  console.error('(l)', JSON.stringify(results.console));

  results.pages = await benchPages();
  console.error('(o)', JSON.stringify(results.pages));

  writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(ROOT, 'bench/RESULTS.md'), markdown(results));
  console.log('Wrote bench/results.json and bench/RESULTS.md');
}

function costSection(r: any): string {
  const c = r.checkinCost;
  if (!c) return '';
  const row = (name: string, w: any) =>
    `| ${name} | ${w.checkins} over ${w.checkpoints} checkpoint(s), ${w.countingRounds} counting round(s) | ${w.request.read} + ${w.request.write} | ${w.counting.read} + ${w.counting.write} | **${w.total.units}** |`;
  return `

## (m) Capacity units per check-in

POST /v1/checkins through the local server; every DynamoDB call of the process sent with
ReturnConsumedCapacity=INDEXES and summed (bench/checkin-cost.ts, method in the file).

| workload | check-ins | request (read + write) | counting (read + write) | total per check-in |
|---|---|---|---|---|
${row('rush at one gate', c.rush)}
${row('spread, a round every 50 (scaled time: a quiet checkpoint-day held 5 rounds)', c.spread)}

Before this design (one GetItem and a transaction of the check-in with two indexes and its counter) the same file
measured 0.5 read + 8 write units per check-in; counting every checkpoint-day each round, without holding the quiet
ones back, the spread measured 3.33 (README, "Data model and the cost of a check-in";
bench/checkin-cost-before.json).`;
}

function markdown(r: any): string {
  const a = r.checkinVsBareWrite;
  const b = r.aggregationReadCapacity;
  const c = r.xlsx100kRows;
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  return `# Benchmark results

Measured ${r.measuredAt} on this project's machine (2 cores, shared and noisy) with Node ${r.node}, by
\`npm run bench\` (bench/run.ts). Everything runs locally: DynamoDB Local (Java) and the local HTTP server,
in one process with the benchmark client. Ratios are taken within one run, interleaved, so both sides see
the same load; absolute times are DynamoDB Local's, not AWS's.

## (a) A check-in through the HTTP API against a bare DynamoDB write

| | n | mean | p50 | p95 |
|---|---|---|---|---|
| POST /v1/checkins (local server → handler → DynamoDB Local) | ${a.httpCheckin.n} | ${a.httpCheckin.meanMs} ms | ${a.httpCheckin.p50Ms} ms | ${a.httpCheckin.p95Ms} ms |
| bare PutItem, same DynamoDB Local | ${a.bareDynamoPut.n} | ${a.bareDynamoPut.meanMs} ms | ${a.bareDynamoPut.p50Ms} ms | ${a.bareDynamoPut.p95Ms} ms |

Ratio (check-in ÷ bare write): **${a.ratioMean}× mean, ${a.ratioP50}× p50**. ${a.note}.

## (b) Weekly aggregation: read capacity at N and 10×N check-ins

${b.checkpoints} checkpoints in 10 communes, ${b.days} days.

| check-ins | activity read capacity | reports |
|---|---|---|
| ${b.atN.checkins} | ${b.atN.activityReadCapacity} | ${b.atN.reports} |
| ${b.at10N.checkins} | ${b.at10N.activityReadCapacity} | ${b.at10N.reports} |

Ratio 10×N ÷ N: **${b.ratio}** — flat: the report reads one counter per checkpoint and day, never the
check-ins. ${b.note}.

## (c) XLSX report at ${c.rows.toLocaleString('en')} rows

${c.ms} ms; peak RSS ${c.peakRssMb} MB against a baseline of ${c.baselineRssMb} MB (the report's rows already
in memory): **${(c.peakRssMb - c.baselineRssMb).toFixed(1)} MB** for the writer, streaming a ${(c.bytes / 1024 / 1024).toFixed(1)} MB file.

## (e) Importing 7,000 checkpoints from one XLSX

A ${(r.import7000.fileBytes / 1024).toFixed(0)} KiB workbook, ${r.import7000.rows} rows over 20 communes of a district, sent whole
to POST /v1/units/{unitId}/checkpoints/import (16 registrations in flight, each one transaction of checkpoint +
code + ref). A request works within its Lambda's remaining time less 4 s, never past API Gateway's 30 s, and returns the rows it had no time
for as \`pending\`; the file is sent again until none are: **${(r.import7000.firstMs / 1000).toFixed(1)} s** in ${r.import7000.firstRequests}
request(s) to create ${r.import7000.created} (${r.import7000.rowsPerSecond} rows/s); the same file again, creating nothing
(${r.import7000.existing} existing): **${(r.import7000.againMs / 1000).toFixed(1)} s** in ${r.import7000.againRequests} request(s). Memory while it ran:
**${r.import7000.peakRssAboveBaselineMb} MB** above the server's RSS before (the function has 1024 MB). DynamoDB Local runs
about 100 transactions a second whatever the concurrency (measured: 9–13 ms a row at 1, 4 or 16 in flight);
DynamoDB itself takes them in parallel, so on AWS one request is expected to hold far more rows.

## (f) Posters

${r.posters.checkpoints} A4 posters (one per checkpoint) streamed into one PDF: ${(r.posters.ms / 1000).toFixed(1)} s, **${r.posters.msPerPoster} ms
per poster**, ${(r.posters.bytes / 1024 / 1024).toFixed(1)} MB; peak RSS ${r.posters.peakRssMb} MB against ${r.posters.baselineRssMb} MB before (the
writer streams: memory does not grow with pages).

${rushSection(r.rush)}

${weeklySection(r.weekly)}

${weeklyScaleSection(r.weeklyScale)}${costSection(r)}

${importJobSection(r.importJob)}

${r.alert10k ? alertSection(r.alert10k) : ''}
${r.tracingContacts ? tracingSection(r.tracingContacts) : ''}

## (d) Lambda bundles (esbuild, minified ESM, AWS SDK bundled at its pinned version)

| function | bundle |
|---|---|
${Object.entries(r.bundleBytes)
  .map(([name, bytes]) => `| ${name} | ${kb(bytes as number)} |`)
  .join('\n')}
${consoleSection(r.console)}${pagesSection(r.pages)}${coldStartSection(r.coldStart)}`;
}

function pagesSection(p: any): string {
  if (!p) return '';
  const cell = (w: any) => `${w.bytes} B (${w.gzipBytes} B gzipped)`;
  return `
## (o) The pages people scan (inline script and style; bytes, gzip -9)

| page | whole document | its script | its style |
|---|---|---|---|
${p.pages.map((page: any) => `| ${page.path} | ${cell(page.html)} | ${cell(page.script)} | ${cell(page.style)} |`).join('\n')}
| /sw.js | ${cell(p.serviceWorker)} | | |

Before the pages moved to pages/src: bench/pages-before.json; after: bench/pages-after.json.
`;
}

function coldStartSection(c: any): string {
  if (!c?.after) return '';
  const row = (label: string, x: any) =>
    x
      ? `| ${label} (${x.commit}) | ${(x.bundleBytes / 1000).toFixed(1)} kB | ${x.medianMs} ms | ${x.p90Ms} ms |`
      : '';
  return `
## (p) The check-in function's cold start: its bundle imported in a fresh node process, ${c.after.runs} times

| bundle | size | median | p90 |
|---|---|---|---|
${[row('before Powertools', c.before), row('after', c.after)].filter(Boolean).join('\n')}
`;
}

function consoleSection(i: any): string {
  if (!i) return '';
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  return `
## (l) The staff console's first screen (vite build, gzip -9)

**${kb(i.jsGzipBytes)} of JavaScript** (budget 150 KiB), ${kb(i.cssGzipBytes)} of CSS, ${kb(i.htmlGzipBytes)} of HTML.

| file | raw | gzipped |
|---|---|---|
${i.files.map((f: any) => `| ${f.path} | ${kb(f.bytes)} | ${kb(f.gzipBytes)} |`).join('\n')}
`;
}

function importJobSection(i: any): string {
  if (!i) return '';
  return `## (i) A 100,000-row import as a job

A ${(i.fileBytes / 1024 / 1024).toFixed(1)} MB workbook, ${i.rows} rows over 20 communes (every third row without a ref), through
POST /v1/imports, a PUT to the presigned URL and GET /v1/imports/{id} followed to the end; the local stand-in of the
queue runs the job in passes of 60 s, as invocations would: **${(i.firstMs / 1000).toFixed(0)} s** (${i.rowsPerSecond} rows/s) in
${i.passes} passes, ${i.created} created, ${i.rejectedRows} rejected. The same sheet again: **${(i.againMs / 1000).toFixed(0)} s**, ${i.againCreated}
created, ${i.againExisting} existing (rows with a ref by their ref, the others by the id their row gives them). Peak RSS
of the process hosting the job: **${i.peakRssAboveBaselineMb} MB** above its level before. DynamoDB Local takes about 100
transactions a second; DynamoDB takes them in parallel.`;
}

function alertSection(i: any): string {
  return `## (j) An exposure alert to ${i.recipients.toLocaleString('en')} phones

Visits seeded at one market, a case, the alert drafted and approved through the local API, then its batches
delivered by the in-process queue to the consumer core (claim, open, text into the outbox), five at once.

| step | time |
|---|---|
| draft (recipients counted) | ${i.draftMs} ms |
| approve (recipients found again, enqueued) | ${i.approveMs} ms |
| approval to \`sent\` | ${(i.approveToSentMs / 1000).toFixed(1)} s (${i.messagesPerSecond} messages/s) |

Outbox: ${i.outboxMessages} messages to ${i.distinctPhones} distinct phones, ${i.duplicates} duplicates; a second
approval added ${i.afterReapproval}.
`;
}

function tracingSection(j: any): string {
  return `## (k) A person's contacts over ${j.days} days at busy checkpoints

${j.checkpoints} markets, ${j.checkinsPerCheckpointDay.toLocaleString('en')} check-ins each a day (${j.checkinsStored.toLocaleString('en')} stored); the
person visited two of them every day (${j.personVisits} visits). The contact search (as \`GET /v1/phones/{phone}/contacts\`
runs it) read the person's partition and one partition per checkpoint-day visited: ${j.queries} queries,
${j.readCapacityUnits} read capacity units consumed (ReturnConsumedCapacity), ${j.contactsMs} ms on DynamoDB Local,
${j.contacts.toLocaleString('en')} contacts.
`;
}

function weeklyScaleSection(sizes: any[] | undefined): string {
  if (!sizes?.length) return '';
  const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
  const rows = sizes
    .map((n) => {
      const task = (id: string) => n.tasks.find((t: any) => t.unitId === id);
      const [leaf, district, province] = n.tasks;
      return `| ${n.checkpoints.toLocaleString('en')} | ${n.units} | ${s(n.seedMs)} | **${s(n.run.ms)}** (${n.run.failed} failed) | ${leaf.ms} ms, ${leaf.peakRssMb} MB | ${district.checkpoints.toLocaleString('en')}: ${district.ms} ms, ${district.peakRssMb} MB | ${province.ms} ms, **${province.peakRssMb} MB** | ${n.largestTask}, ${task(n.largestTask).peakRssMb} MB |`;
    })
    .join('\n');
  const worst = Math.max(...sizes.flatMap((n) => n.tasks.map((t: any) => t.peakRssMb)));
  return `## (n) The Friday run as the state machine runs it, at a province's size

Each size in its own process with its own local stack (bench/weekly-scale.ts): a tree of districts and communes
(10 × 15 at 7,000; 15 × 20 at 70,000; 30 × 20 at 700,000), one commune a town of 3,000 checkpoints, the others
sharing the rest; checkpoints seeded with BatchWriteItem (the registry's own items), a week of counters (13.5% of
checkpoints used). The whole run: every level deepest first, each unit's own task (its own checkpoints and counters,
its children's stored summaries), four units at a time, in one process as the local stand-in of the state machine
runs it. Then the tasks that could be the largest, each alone in its own process as its Lambda runs it (peak RSS).

| checkpoints | units | seeding | whole run | the 3,000-checkpoint commune | its district | the province | largest task |
|---|---|---|---|---|---|---|---|
${rows}

A task reads its own unit and its children's summaries, never a child's checkpoints: its memory follows one unit's
size, not the province's (the per-unit Lambda has 1,024 MB): the largest task measured peaked at **${worst} MB**,
${worst < 512 ? 'under' : 'over'} the 512 MB goal. The whole run's time
grows with the number of units; in AWS the Map state runs a level's units in parallel.
`;
}

function weeklySection(h: any): string {
  const n = (x: number) => x.toLocaleString('en');
  const row = (label: string, f: any) =>
    `| ${label} | ${n(f.checkins)} | **${(f.ms / 1000).toFixed(1)} s** | **${f.peakRssMb} MB** (${f.startRssMb} MB at its start) | ${f.activityReadCapacity} |`;
  return `## (h) The Friday run for a province of ${n(h.checkpoints)} checkpoints

A three-level tree: the province, 10 districts, 15 communes each (${n(h.units)} units); one commune holds ${n(h.largestLeafRows)}
checkpoints (the largest leaf report), the others share the rest. A week of activity: ${n(h.activeCheckpointDays)} checkpoint-days
with check-ins (about 13.5% of checkpoints used, as in Hải Hà), written as the daily counters the check-in transaction
keeps. The whole run, in its own process as the scheduled Lambda runs it: every unit's counters for the period and
the week before, ${n(h.reports)} reports rendered (XLSX with its sheets, CSV, JSON; the chart for each of the 11 units with
children, drawn with vega and resvg-wasm and placed in the XLSX) and uploaded to s3rver.

| | check-ins | whole run | peak memory (maxRSS) | activity read capacity |
|---|---|---|---|---|
${row('N', h.atN)}
${row('10×N', h.at10N)}

Read capacity 10×N ÷ N: **${h.readCapacityRatio}** — flat: the run reads the counters (and one keys-only index entry per idle
checkpoint for its last active day), never the check-ins. The scheduled function has 1024 MB and 5 minutes.`;
}

function rushSection(g: any): string {
  const n = (x: number) => x.toLocaleString('en');
  const ms = (l: { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; n: number }) =>
    [n(l.n), ...[l.p50Ms, l.p95Ms, l.p99Ms, l.maxMs].map((x) => `${Math.round(x)} ms`)].join(' | ');
  const LABEL: Record<string, string> = {
    '201': '201 (stored)',
    '200': '200 (duplicate)',
    dropped: 'hung up',
  };
  const answers = (a: Record<string, number>) =>
    ['201', '200', ...Object.keys(a).filter((k) => k !== '201' && k !== '200')]
      .filter((k) => a[k])
      .map((k) => `${LABEL[k] ?? k} ${n(a[k]!)}`)
      .join(', ');
  const perMinute = g.workers / 60;
  const retried = Object.entries(g.logEvents as Record<string, number>);
  const keptUp =
    g.checkinsPerSecond >= perMinute
      ? 'kept up'
      : `took ${(g.wallMs / 60_000).toFixed(1)} minutes here: not kept up on this machine`;
  return `## (g) The rush: ${n(g.workers)} workers at one gate, each check-in sent twice

${n(g.workers)} workers (distinct mobiles 091xxxxxxx, each check-in with its own client UUID) check in at one
factory checkpoint through POST /v1/checkins of the local server, **${g.phones} phones at once**, each taking the
next worker as soon as it is done. Every phone is flaky and sends each check-in twice with the same id: a quarter
both at once, a quarter the retry 0–20 ms after the first (still in flight), a quarter after the first answer was
lost, a quarter after hanging up 0–30 ms into the first. ${n(g.retriesOverlappingFirst)} retries overlapped their first
send in time. Requests in flight: ${g.meanInFlight} on average (Little's law), ${g.maxInFlight} at most. One process hosts the
server, the handlers and the phones; DynamoDB Local is its own (Java) process. A warm-up rush of 500 runs first (the
JVM compiles DynamoDB Local's code, the handler loads), checked the same way.

| | |
|---|---|
| ${n(g.workers)} check-ins, ${n(g.requests)} requests | **${(g.wallMs / 1000).toFixed(1)} s** |
| sustained | **${g.checkinsPerSecond} check-ins/s** (acknowledged, first time); ${g.requestsPerSecond} requests/s |
| bare PutItem, same DynamoDB Local, ${g.barePut.concurrency} in flight | ${g.barePut.putsPerSecond} puts/s (${n(g.barePut.n)}: half before the rush, half after) |
| check-ins/s ÷ bare puts/s | **${g.ratioCheckinsToBarePuts}** (requests/s ÷ bare puts/s: ${g.ratioRequestsToBarePuts}) |
| ${n(g.workers)} arriving within a minute | needs ${perMinute.toFixed(1)} check-ins/s; ${keptUp} |

| latency per request | n | p50 | p95 | p99 | max |
|---|---|---|---|---|---|
| every answered request | ${ms(g.latency.all)} |
| answered 201 (stored by this request) | ${ms(g.latency.created)} |
| answered 200 (already stored) | ${ms(g.latency.duplicate)} |

Answers to the first sends: ${answers(g.firstAnswers)}; to the retries: ${answers(g.retryAnswers)}
(a retry answered 201 stored the check-in itself: its first was hung up on, or lost the race). In all:
${n(g.outcomes.clientError)} 4xx, **${n(g.outcomes.serverError)} 5xx**, ${n(g.outcomes.network)} network errors. Each acknowledged check-in costs two
requests, each at most one GetItem (the code, remembered a minute per container) and one conditional PutItem (the
check-in and its one index), and for the duplicate one consistent GetItem more: hence the ratio to a bare write.
Counting is the stream's (src/core/counting.ts), read once after the rush.

Checked afterwards, the run failing otherwise: every worker acknowledged (${n(g.acknowledged)}), none answered 201
twice, each whose first send was not hung up on saw one 201; **${n(g.stored)} check-ins stored** for the checkpoint
(its byCheckpointDay partition${g.days.length > 1 ? 's' : ''} for ${g.days.join(' and ')}), **${n(g.storedDistinctIds)} distinct ids**, each with its worker's
phone; the checkpoint's daily counter, read across all shards as the weekly report reads it: **${n(g.counted)}**.

Retries logged by the handlers (CheckinRetried): ${retried.length ? retried.map(([k, v]) => `${k} ${n(v)}`).join(', ') : 'none'}. A check-in is one
conditional put on its phone's partition: the rush's writes spread over its phones, and no item is written twice
at once but by the two sends of one check-in (one stores, the other fails its condition and is answered 200). The
counters are written by the counting step, one update per checkpoint-day and stream shard per batch, so a rush is one counter update, not thousands.`;
}

await main();
