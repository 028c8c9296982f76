/**
 * Proves renderXlsx streams: a report of 100k rows (its main table; So sánh and Xếp hạng as long, 10k in each
 * list) goes into a Writable that only counts bytes, and peak RSS must stay tens of MB above the baseline taken
 * after the report itself is built (an in-memory exceljs workbook needs ~1.2 GB for the main table alone).
 *
 *   npx tsx bench/xlsx-100k.ts [rows]   → one JSON line
 */
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  type IdleCheckpoint,
  type ReportFigures,
  type ReportRow,
  rankByActiveRatio,
  sumFigures,
  type UnitReport,
} from '../src/core/report.ts';
import { renderXlsx } from '../src/render/xlsx.ts';

export interface XlsxBenchResult {
  rows: number;
  ms: number;
  peakRssMb: number;
  baselineRssMb: number;
  bytes: number;
}

const SAMPLE_MS = 20;
const MB = 1024 * 1024;

export async function benchXlsx100k(rows = 100_000): Promise<XlsxBenchResult> {
  const report = syntheticReport(rows);
  collectGarbage();
  const baseline = process.memoryUsage().rss;
  const maxRssBefore = process.resourceUsage().maxRSS;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, SAMPLE_MS);

  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      callback();
    },
  });

  const started = performance.now();
  try {
    await renderXlsx(report, sink);
  } finally {
    clearInterval(sampler);
  }
  const ms = performance.now() - started;
  peak = Math.max(peak, process.memoryUsage().rss);
  // maxRSS (KiB) is the process's high-water mark, so it catches a spike between two samples, but only
  // counts if rendering raised it: building the report (before the baseline) may have set it first.
  const maxRssAfter = process.resourceUsage().maxRSS;
  if (maxRssAfter > maxRssBefore) peak = Math.max(peak, maxRssAfter * 1024);

  return {
    rows,
    ms: Math.round(ms),
    peakRssMb: round1(peak / MB),
    baselineRssMb: round1(baseline / MB),
    bytes,
  };
}

/**
 * Deterministic rows (a fixed LCG): the same report, and so the same file size, on every run. A report on units
 * as the weekly run builds it: 100k rows with their previous figures, so So sánh and Xếp hạng are 100k rows too,
 * and a checkpoint in the idle, new and misnamed lists for every tenth row.
 */
export function syntheticReport(rows: number): UnitReport {
  let seed = 0x2022_0106;
  const next = (max: number) => {
    seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
    return seed % max;
  };
  const figures = (): ReportFigures => {
    const checkpointsTotal = next(3000);
    return {
      checkpointsTotal,
      checkpointsNew: next(20),
      checkins: next(70_000),
      activeCheckpoints: checkpointsTotal === 0 ? 0 : next(checkpointsTotal + 1),
      namingViolations: next(50),
    };
  };
  const list: ReportRow[] = [];
  const listed: IdleCheckpoint[] = [];
  for (let i = 1; i <= rows; i++) {
    // join() builds a flat string, as JSON.parse does for rows read from DynamoDB; a template literal
    // would be a V8 cons string, flattened (and grown) when the writer reads it, blamed on the writer.
    const unitName = ['Xã Quảng Thịnh', String(i).padStart(6, '0')].join(' ');
    list.push({ unitId: `unit-${i}`, unitName, ...figures(), previous: figures() });
    if (i % 10 === 0) {
      listed.push({
        checkpointId: ['cp', String(i)].join('-'),
        code: String(i).padStart(8, 'B'),
        name: ['Cửa hàng - Tạp hóa', unitName].join(' - '),
        kind: 'shop',
        unitId: `unit-${i}`,
        unitName,
        createdAt: '2021-11-02T03:00:00.000Z',
        canonicalName: ['Cửa hàng - Tạp hóa - Thôn', String(i)].join(' '),
        lastActiveDay: i % 20 === 0 ? null : '2021-12-24',
      });
    }
  }
  return {
    provinceId: 'quang-ninh',
    unit: { id: 'hai-ha', name: 'huyện Hải Hà' },
    period: { start: '2022-01-06', end: '2022-01-12' },
    previousPeriod: { start: '2021-12-30', end: '2022-01-05' },
    level: 'units',
    rows: list,
    checkpoints: [],
    totals: sumFigures(list),
    previousTotals: sumFigures(list.map((r) => r.previous)),
    idle: listed,
    ranking: rankByActiveRatio(list),
    newCheckpoints: listed,
    misnamed: listed,
    daily: { days: [], series: [] },
    generatedAt: '2022-01-14T01:00:00.000Z',
  };
}

/** A full GC so the baseline holds live data only; `--expose-gc` can be switched on at run time. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = process.argv[2] ? Number(process.argv[2]) : undefined;
  console.log(JSON.stringify(await benchXlsx100k(rows)));
}
