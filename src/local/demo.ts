import { randomUUID } from 'node:crypto';
import cliProgress from 'cli-progress';
import { mapLimit } from '../core/pool.ts';
import type { ReportFigures } from '../core/report.ts';
import { periodBounds, previousCompletePeriod } from '../core/time.ts';
import { HAI_HA, HAI_HA_COMMUNES, PLACES } from './hai-ha.ts';
import { type LocalStack, type LocalStackOptions, startLocalStack } from './stack.ts';

/** The demo is a scaled-down Hải Hà: 1/20 of its checkpoints, 1/50 of its check-ins. */
const CHECKPOINT_SCALE = 20;
const CHECKIN_SCALE = 50;
/** Share of check-ins a flaky phone sends twice: the pipeline must store and count them once. */
const RESEND_SHARE = 0.03;
const POST_CONCURRENCY = 16;

export interface DemoOptions extends LocalStackOptions {
  keepRunning: boolean;
  /** Pinned randomness: the same demo every time. */
  seed?: number;
  out?: (line: string) => void;
}

export interface DemoResult extends LocalStack {
  reportLink?: string;
}

/** mulberry32: a tiny seeded PRNG, so the demo data is reproducible. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function api(
  stack: LocalStack,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/**
 * Starts the local stack and, when it holds no demo yet, seeds Hải Hà: units and checkpoints registered over
 * the past weeks (through the core, with a clock set in the past), then a week of check-ins posted through
 * the real HTTP check-in path, then the weekly report through the API. It checks the report's figures against
 * what it posted, and prints the URL, a token, a QR to try and — last — the signed link to the XLSX.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const out = options.out ?? ((line: string) => console.log(line));
  const stack: DemoResult = await startLocalStack(options);
  try {
    const province = stack.config.provinceId;
    const admin = await stack.token('admin', province);
    const seeded = (await api(stack, admin, 'GET', `/v1/units/${HAI_HA.id}`)).status === 200;
    const period = previousCompletePeriod(new Date());
    if (!seeded) {
      const rand = random(options.seed ?? 20220106);
      const expected = await seed(stack, admin, rand, period, out);
      out(`Posted a week of check-ins (${period.start} – ${period.end}); running the weekly report…`);
      const run = await api(stack, admin, 'POST', '/v1/reports/weekly', { start: period.start });
      if (run.status !== 200) throw new Error(`The weekly report failed: ${JSON.stringify(run.json)}`);
      await verify(stack, admin, period.start, expected, out);
    }
    const manager = await stack.token('unit-manager', HAI_HA.id);
    const sample = (
      await api(stack, manager, 'GET', `/v1/units/${HAI_HA_COMMUNES[0].id}/checkpoints?limit=1`)
    ).json;
    const cp = sample?.items?.[0];
    out('');
    if (seeded) out(`Found the demo seeded by an earlier run in ${options.dataDir}.`);
    if (options.keepRunning) {
      out(`vaora (province ${province}) is running at ${stack.url}   data: ${options.dataDir}`);
      out(`Staff token (admin of ${province}):`);
      out(admin);
      if (cp) {
        out(`A checkpoint to try: ${cp.name}  code ${cp.code}`);
        out(`  check-in page (the URL in its QR): ${cp.qrUrl}`);
        out(`  its QR image (staff): ${stack.url}/v1/checkpoints/${cp.id}/qr.svg`);
        out(
          `  or: curl -s -X POST ${stack.url}/v1/checkins -H 'content-type: application/json' -d '{"code":"${cp.code}","phone":"0912 345 678","direction":"in"}'`,
        );
        // The gate page's link carries a unit-manager token in its fragment (never sent to a server).
        out(
          `  its gate page for staff (assisted check-ins, personal cards): ${stack.url}/g/${cp.code}#token=${manager}`,
        );
        out(
          `  a personal QR card (PDF): curl -s -X POST ${stack.url}/v1/cards -H 'content-type: application/json' -d '{"phone":"0912 345 678"}' -o card.pdf`,
        );
      }
    }
    const periods = (await api(stack, admin, 'GET', `/v1/units/${HAI_HA.id}/reports`)).json?.items ?? [];
    if (periods.length > 0) {
      const link = await api(
        stack,
        admin,
        'GET',
        `/v1/units/${HAI_HA.id}/reports/${periods[0].start}?format=xlsx`,
      );
      stack.reportLink = link.json.url;
      if (!options.keepRunning)
        out('The demo stack stops now; its report files stay served until the link expires.');
      out(
        `Signed link to the ${HAI_HA.name} report ${periods[0].start} – ${periods[0].end} (XLSX, expires ${link.json.expiresAt}):`,
      );
      out(link.json.url);
    }
    if (options.keepRunning) out('Press Ctrl+C to stop.');
    return stack;
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

type Expected = Map<string, ReportFigures>;

async function seed(
  stack: LocalStack,
  admin: string,
  rand: () => number,
  period: { start: string; end: string },
  out: (line: string) => void,
): Promise<Expected> {
  const { from, to } = periodBounds(period);
  // The district and its communes, as a province would upload its unit list.
  const units = [
    { id: HAI_HA.id, name: HAI_HA.name, parentId: stack.config.provinceId, kind: 'district' },
    ...HAI_HA_COMMUNES.map((c) => ({ id: c.id, name: c.name, parentId: HAI_HA.id, kind: 'commune' })),
  ];
  const unitImport = await api(stack, admin, 'POST', '/v1/units/import', { units });
  if (unitImport.status !== 200 || unitImport.json.rejected.length > 0) {
    throw new Error(`The demo's unit import failed: ${JSON.stringify(unitImport.json)}`);
  }

  // Checkpoints registered over the past two months (an import carries their registration dates), a few of them
  // named by hand against the rule, as inspections found.
  const expected: Expected = new Map();
  const rows: Record<string, string | number>[] = [];
  const plan: {
    unitId: string;
    total: number;
    fresh: number;
    active: number;
    checkins: number;
    first: number;
  }[] = [];
  for (const commune of HAI_HA_COMMUNES) {
    const total = Math.max(3, Math.round(commune.created / CHECKPOINT_SCALE));
    const fresh =
      commune.createdNew === 0 ? 0 : Math.max(1, Math.round(commune.createdNew / CHECKPOINT_SCALE));
    plan.push({
      unitId: commune.id,
      total,
      fresh,
      active: Math.min(total - fresh, Math.max(1, Math.round(commune.active / CHECKPOINT_SCALE))),
      checkins: Math.round(commune.checkins / CHECKIN_SCALE),
      first: rows.length,
    });
    for (let i = 0; i < total; i++) {
      const isNew = i >= total - fresh;
      const at = isNew
        ? from.getTime() + rand() * (to.getTime() - from.getTime()) * 0.5
        : from.getTime() - (1 + rand() * 55) * 86_400_000;
      const place = PLACES[Math.floor(rand() * PLACES.length)]!;
      const placeName = `${place.names[Math.floor(rand() * place.names.length)]} ${commune.name.replace(/^(Thị trấn|Xã) /, '')} ${i + 1}`;
      rows.push({
        row: rows.length + 2,
        unitId: commune.id,
        kind: place.kind,
        placeName,
        address: `Thôn ${1 + Math.floor(rand() * 9)}, ${commune.name}`,
        ref: `${commune.id}-${i + 1}`,
        createdAt: new Date(at).toISOString(),
        ...(rand() < 0.08 ? { name: `QR ${placeName}` } : {}),
      });
    }
  }
  const imported = await api(stack, admin, 'POST', `/v1/units/${HAI_HA.id}/checkpoints/import`, {
    checkpoints: rows,
  });
  if (imported.status !== 200 || imported.json.rejected.length > 0) {
    throw new Error(`The demo's checkpoint import failed: ${JSON.stringify(imported.json).slice(0, 500)}`);
  }
  // Each checkpoint by its ref, whether this import created it or an earlier, interrupted one did.
  const byRef = new Map<string, { id: string; code: string }>();
  for (const commune of HAI_HA_COMMUNES) {
    const listed = await api(stack, admin, 'GET', `/v1/units/${commune.id}/checkpoints?limit=500`);
    for (const cp of listed.json.items) byRef.set(cp.ref, cp);
  }

  const posts: { unitId: string; checkpointId: string; code: string; at: Date }[] = [];
  for (const p of plan) {
    const created = Array.from({ length: p.total }, (_, i) => byRef.get(String(rows[p.first + i]!.ref))!);
    // Some of the old checkpoints are used this week; the rest are the ones the province chases.
    const active = created.slice(0, p.active);
    for (let i = 0; i < Math.max(p.active, p.checkins); i++) {
      // Every active checkpoint gets one; the rest go mostly to the busiest gates, as at a real market or factory.
      const cp = i < p.active ? active[i]! : active[Math.floor(rand() ** 2 * p.active)]!;
      const at = new Date(from.getTime() + rand() * (to.getTime() - from.getTime()));
      posts.push({ unitId: p.unitId, checkpointId: cp.id, code: cp.code, at });
    }
    expected.set(p.unitId, {
      checkpointsTotal: p.total,
      checkpointsNew: p.fresh,
      checkins: 0,
      activeCheckpoints: 0,
      namingViolations: rows.slice(p.first, p.first + p.total).filter((r) => 'name' in r).length,
    });
  }
  const checkpointCount = rows.length;
  out(
    `Imported ${HAI_HA.name}: ${HAI_HA_COMMUNES.length} communes, ${checkpointCount} checkpoints (POST …/checkpoints/import).`,
  );

  const bar = new cliProgress.SingleBar(
    { format: 'Posting check-ins {bar} {value}/{total}', stream: process.stderr, noTTYOutput: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(posts.length, 0);
  const activeSets = new Map<string, Set<string>>();
  await mapLimit(posts, POST_CONCURRENCY, async (post) => {
    const body = {
      id: randomUUID(),
      code: post.code,
      phone: phone(rand),
      direction: rand() < 0.5 ? 'in' : 'out',
      at: post.at.toISOString(),
      method: 'app',
    };
    const first = await api(stack, undefined, 'POST', '/v1/checkins', body);
    if (first.status !== 201)
      throw new Error(`A demo check-in was refused: ${first.status} ${JSON.stringify(first.json)}`);
    if (rand() < RESEND_SHARE) {
      const again = await api(stack, undefined, 'POST', '/v1/checkins', body);
      if (again.status !== 200) throw new Error(`A resent check-in answered ${again.status}, not 200`);
    }
    const figures = expected.get(post.unitId)!;
    figures.checkins += 1;
    const set = activeSets.get(post.unitId) ?? new Set<string>();
    set.add(post.checkpointId);
    activeSets.set(post.unitId, set);
    figures.activeCheckpoints = set.size;
    bar.increment();
  });
  bar.stop();
  out(`Posted ${posts.length} check-ins through POST /v1/checkins (some sent twice, as flaky phones do).`);
  return expected;
}

const MOBILE_PREFIXES = ['091', '094', '098', '097', '096', '090', '093', '086', '088', '070'];

function phone(rand: () => number): string {
  const prefix = MOBILE_PREFIXES[Math.floor(rand() * MOBILE_PREFIXES.length)];
  return `${prefix}${String(Math.floor(rand() * 1e7)).padStart(7, '0')}`;
}

/** The demo's own check: the stored JSON report says exactly what was posted. */
async function verify(
  stack: LocalStack,
  admin: string,
  start: string,
  expected: Expected,
  out: (line: string) => void,
): Promise<void> {
  const link = await api(stack, admin, 'GET', `/v1/units/${HAI_HA.id}/reports/${start}?format=json`);
  const report = (await (await fetch(link.json.url)).json()) as {
    rows: Record<string, unknown>[];
    totals: Record<string, unknown>;
  };
  const problems: string[] = [];
  for (const [unitId, figures] of expected) {
    const row = report.rows.find((r) => r.unitId === unitId);
    for (const [key, value] of Object.entries(figures)) {
      if (row?.[key] !== value) problems.push(`${unitId}.${key}: report ${row?.[key]}, posted ${value}`);
    }
  }
  if (problems.length > 0)
    throw new Error(`The report does not match what was posted: ${problems.join('; ')}`);
  const t = report.totals;
  out(
    `Report checked against what was posted: ${t.checkpointsTotal} checkpoints, ${t.checkpointsNew} new, ${t.checkins} check-ins, ${t.activeCheckpoints} active (${t.activeRatio}%).`,
  );
}
