import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { temporaryPassword } from '../core/passwords.ts';
import { mapLimit } from '../core/pool.ts';
import type { ReportFigures } from '../core/report.ts';
import { periodBounds, previousCompletePeriod } from '../core/time.ts';
import type { StaffUser } from '../core/users.ts';
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
  /** One check-in posted for every this many of the real table's (default 50); the tests post fewer. */
  checkinScale?: number;
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
  stack: Pick<LocalStack, 'url'>,
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

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/**
 * The same request again while the answer is a 5xx, a 429 or no answer at all, as a phone or the CLI would:
 * every request the demo sends is idempotent (refs, client ids), so sending one twice stores nothing twice.
 */
async function apiWithRetry(...args: Parameters<typeof api>): Promise<Awaited<ReturnType<typeof api>>> {
  for (let attempt = 1; ; attempt++) {
    const answer = await api(...args).catch((err: Error) => ({ status: 0, json: { error: err.message } }));
    if ((answer.status !== 0 && answer.status !== 429 && answer.status < 500) || attempt === 8) return answer;
    await sleep(Math.min(8_000, 250 * 2 ** attempt));
  }
}

/** How long the demo waits for its weekly run: minutes at the demo's size, so this is a stuck run. */
const WEEKLY_RUN_WAIT_MS = 10 * 60_000;

/**
 * POST /v1/reports/weekly answers 202 with the run's id; the run goes on in the background (the state machine
 * in AWS, its stand-in here), so the demo follows GET /v1/reports/runs/{runId} until it has succeeded.
 */
export async function runWeeklyAndWait(
  stack: Pick<LocalStack, 'url'>,
  admin: string,
  start: string,
  waitMs = WEEKLY_RUN_WAIT_MS,
): Promise<void> {
  const started = await apiWithRetry(stack, admin, 'POST', '/v1/reports/weekly', { start });
  if (started.status !== 202) {
    throw new Error(`The weekly report could not start: ${started.status} ${JSON.stringify(started.json)}`);
  }
  const { runId } = started.json as { runId: string };
  const deadline = Date.now() + waitMs;
  for (;;) {
    const res = await apiWithRetry(stack, admin, 'GET', `/v1/reports/runs/${runId}`);
    if (res.status !== 200)
      throw new Error(`The weekly run ${runId}: ${res.status} ${JSON.stringify(res.json)}`);
    const run = res.json as { status: string; units: number; failed: { unitId: string; error: string }[] };
    if (run.status === 'succeeded') return;
    if (run.status === 'failed') {
      const units = run.failed.map((f) => `${f.unitId} (${f.error})`).join(', ');
      throw new Error(`The weekly run ${runId} failed: ${run.units} units reported, failed: ${units}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`The weekly run ${runId} was still running after ${Math.round(waitMs / 1000)} s`);
    }
    await sleep(250);
  }
}

/**
 * An import, sent again with the rows that came back `pending` until none do: on a busy machine one request
 * has no time for them all, and a resend creates nothing twice (rows carry refs or ids).
 */
export async function importUntilDone(
  stack: Pick<LocalStack, 'url'>,
  admin: string,
  path: string,
  field: 'units' | 'checkpoints',
  rows: readonly Record<string, unknown>[],
  out: (line: string) => void,
): Promise<void> {
  let todo = rows;
  for (let round = 1; todo.length > 0; round++) {
    const answer = await apiWithRetry(stack, admin, 'POST', path, { [field]: todo });
    if (answer.status !== 200 || answer.json.rejected.length > 0) {
      throw new Error(`The demo's ${field} import failed: ${JSON.stringify(answer.json).slice(0, 500)}`);
    }
    const pending = new Set<number>(answer.json.pending.map((p: { row: number }) => p.row));
    todo = todo.filter((r) => pending.has(Number(r.row)));
    if (todo.length === 0) break;
    if (round === 30) throw new Error(`The demo's ${field} import left ${todo.length} rows pending 30 times`);
    out(`  ${todo.length} ${field} not reached in time by the server: sending them again…`);
    await sleep(Math.min(5_000, 500 * round));
  }
}

/**
 * What the data folder says of the demo seed. `seeding` is written before the first row is sent and `done`
 * only after the report was checked against what was posted, so a start killed half-way is never taken for a
 * finished one.
 */
interface SeedRecord {
  status: 'seeding' | 'done';
  seed: number;
  period: { start: string; end: string };
  startedAt: string;
  verifiedAt?: string;
}

const seedFile = (dataDir: string) => join(dataDir, 'demo-seed.json');

function readSeedRecord(dataDir: string): SeedRecord | undefined {
  const file = seedFile(dataDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SeedRecord) : undefined;
}

function writeSeedRecord(dataDir: string, record: SeedRecord): void {
  const file = seedFile(dataDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
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
    const demoStaff = await seedDemoStaff(stack, province);
    const admin = await stack.token('admin', province);
    const record = readSeedRecord(stack.dataDir);
    const present = (await api(stack, admin, 'GET', `/v1/units/${HAI_HA.id}`)).status === 200;
    if (record?.status === 'done') {
      out(`Found the demo seeded and checked by an earlier run (${record.verifiedAt}) in ${stack.dataDir}.`);
    } else if (present && !record) {
      // Data no seed of ours recorded (an older vaora, or units made by hand): never taken as a checked demo.
      out(
        `${stack.dataDir} holds ${HAI_HA.name} but no record that a demo seed finished and was checked. ` +
          `Serving it as it is; to seed the demo afresh, stop (Ctrl+C) and delete ${stack.dataDir}.`,
      );
    } else {
      const resumed = record?.status === 'seeding';
      const next: SeedRecord = record ?? {
        status: 'seeding',
        seed: options.seed ?? 20220106,
        period: previousCompletePeriod(new Date()),
        startedAt: new Date().toISOString(),
      };
      if (resumed) {
        out(
          `An earlier start stopped before the demo seed was finished and checked (started ${next.startedAt}). ` +
            'Finishing it now: every step is idempotent, so nothing is stored twice.',
        );
      }
      writeSeedRecord(stack.dataDir, next);
      try {
        const expected = await seed(stack, admin, random(next.seed), next.period, out, options.checkinScale);
        out(
          `Posted a week of check-ins (${next.period.start} – ${next.period.end}); running the weekly report…`,
        );
        await runWeeklyAndWait(stack, admin, next.period.start);
        await verify(stack, admin, next.period.start, expected, out);
      } catch (err) {
        throw new Error(
          `${(err as Error).message}\nThe demo seed is not finished; its data stays in ${stack.dataDir}. ` +
            `Run the same command again to finish it, or delete ${stack.dataDir} to start over.`,
        );
      }
      writeSeedRecord(stack.dataDir, { ...next, status: 'done', verifiedAt: new Date().toISOString() });
    }
    const manager = await stack.token('unit-manager', HAI_HA.id);
    const sample = (
      await api(stack, manager, 'GET', `/v1/units/${HAI_HA_COMMUNES[0].id}/checkpoints?limit=1`)
    ).json;
    const cp = sample?.items?.[0];
    out('');
    if (options.keepRunning) {
      out(`vaora (province ${province}) is running at ${stack.url}   data: ${stack.dataDir}`);
      out(`Staff token (admin of ${province}):`);
      out(admin);
      // The console link carries its token in the fragment too (`npx vaora token --role … --unit … --console`).
      out(
        `Staff console (district admin of ${HAI_HA.name}): ${stack.url}/console/#token=${await stack.token('admin', HAI_HA.id)}`,
      );
      out(
        `  or sign in at ${stack.url}/console/sign-in as ${demoStaff.accounts.map((a) => `${a.username} (${a.role}, ${a.unitId})`).join(', ')}; password ${demoStaff.password}`,
      );
      if (cp) {
        out(`A checkpoint to try: ${cp.name}  code ${cp.code}`);
        out(`  check-in page (the URL in its QR): ${cp.qrUrl}`);
        // Staff routes need the token: a browser cannot send it, so the link is a command that does.
        out(
          `  its poster (a staff route: the command sends a manager's token; …/qr.svg and …/qr.png likewise): curl -s -H 'authorization: Bearer ${manager}' ${stack.url}/v1/checkpoints/${cp.id}/poster.pdf -o poster.pdf`,
        );
        out(
          `  or: curl -s -X POST ${stack.url}/v1/checkins -H 'content-type: application/json' -d '{"code":"${cp.code}","phone":"0912 345 678","direction":"in"}'`,
        );
        // The gate link a manager makes for the tablet (POST /v1/checkpoints/{id}/gate-links, a shift long, that
        // checkpoint only): its token rides in the fragment, never sent to a server.
        const gateLink = await api(stack, manager, 'POST', `/v1/checkpoints/${cp.id}/gate-links`, {});
        if (gateLink.status === 201) {
          out(
            `  its gate link for a tablet (assisted check-ins, personal cards; until ${gateLink.json.expiresAt}): ${gateLink.json.url}`,
          );
        }
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
    if (options.keepRunning) {
      out(
        `Report e-mails (the Friday delivery) to those accounts (${demoStaff.optedOut} opted out): npx vaora outbox`,
      );
      out('Press Ctrl+C to stop.');
    }
    return stack;
  } catch (err) {
    await stack.stop();
    throw err;
  }
}

/** The demo's staff accounts: the province's admin, Hải Hà's two officers (one opted out of e-mail), a commune's manager. */
const DEMO_STAFF = (provinceId: string) =>
  [
    {
      username: 'quan-tri',
      email: 'quan-tri@vaora.example',
      name: 'Quản trị tỉnh',
      role: 'admin',
      unitId: provinceId,
      weeklyEmail: true,
    },
    {
      username: 'lan.nt',
      email: 'lan.nt@vaora.example',
      name: 'Nguyễn Thị Lan',
      role: 'admin',
      unitId: HAI_HA.id,
      weeklyEmail: true,
    },
    {
      username: 'tuan.le',
      email: 'tuan.le@vaora.example',
      name: 'Lê Văn Tuấn',
      role: 'unit-manager',
      unitId: HAI_HA.id,
      weeklyEmail: false,
    },
    {
      username: 'hoa.pt',
      email: 'hoa.pt@vaora.example',
      name: 'Phạm Thị Hoa',
      role: 'unit-manager',
      unitId: HAI_HA_COMMUNES[0]!.id,
      weeklyEmail: true,
    },
  ] as const;

/**
 * The demo's staff accounts in the local users table (what the console's local sign-in checks and the Friday
 * e-mails go to), made on a first start with one password, kept in `<data>/demo-password` (only this user may read
 * it) and printed at each start. An account already there (one an admin changed) is left as it is.
 */
async function seedDemoStaff(
  stack: LocalStack,
  provinceId: string,
): Promise<{ accounts: readonly StaffUser[]; password: string; optedOut: number }> {
  const file = join(stack.dataDir, 'demo-password');
  let password = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (!password) {
    password = temporaryPassword();
    writeFileSync(file, `${password}\n`, { mode: 0o600 });
  }
  const createdAt = new Date().toISOString();
  const accounts = DEMO_STAFF(provinceId).map((a) => ({ ...a, enabled: true, createdAt }));
  for (const account of accounts) await stack.users.createUser(account, password);
  return { accounts, password, optedOut: accounts.filter((a) => !a.weeklyEmail).length };
}

type Expected = Map<string, ReportFigures>;

async function seed(
  stack: LocalStack,
  admin: string,
  rand: () => number,
  period: { start: string; end: string },
  out: (line: string) => void,
  checkinScale = CHECKIN_SCALE,
): Promise<Expected> {
  const { from, to } = periodBounds(period);
  // The district and its communes, as a province would upload its unit list.
  const units = [
    { id: HAI_HA.id, name: HAI_HA.name, parentId: stack.config.provinceId, kind: 'district' },
    ...HAI_HA_COMMUNES.map((c) => ({ id: c.id, name: c.name, parentId: HAI_HA.id, kind: 'commune' })),
  ];
  await importUntilDone(
    stack,
    admin,
    '/v1/units/import',
    'units',
    units.map((u, i) => ({ row: i + 2, ...u })),
    out,
  );

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
      checkins: Math.round(commune.checkins / checkinScale),
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
  await importUntilDone(stack, admin, `/v1/units/${HAI_HA.id}/checkpoints/import`, 'checkpoints', rows, out);
  // Each checkpoint by its ref, whether this import created it or an earlier, interrupted one did.
  const byRef = new Map<string, { id: string; code: string }>();
  for (const commune of HAI_HA_COMMUNES) {
    const listed = await api(stack, admin, 'GET', `/v1/units/${commune.id}/checkpoints?limit=500`);
    for (const cp of listed.json.items) byRef.set(cp.ref, cp);
  }

  // Every check-in is drawn here, ids included, before any is sent: the same seed draws the same week, so a
  // start that finishes a seed an earlier one left half-way sends the same check-ins, and stores none twice.
  const posts: { unitId: string; checkpointId: string; body: Record<string, unknown>; resend: boolean }[] =
    [];
  for (const p of plan) {
    const created = Array.from({ length: p.total }, (_, i) => byRef.get(String(rows[p.first + i]!.ref))!);
    // Some of the old checkpoints are used this week; the rest are the ones the province chases.
    const active = created.slice(0, p.active);
    for (let i = 0; i < Math.max(p.active, p.checkins); i++) {
      // Every active checkpoint gets one; the rest go mostly to the busiest gates, as at a real market or factory.
      const cp = i < p.active ? active[i]! : active[Math.floor(rand() ** 2 * p.active)]!;
      const at = new Date(from.getTime() + rand() * (to.getTime() - from.getTime()));
      const body = {
        id: uuid(rand),
        code: cp.code,
        phone: phone(rand),
        direction: rand() < 0.5 ? 'in' : 'out',
        at: at.toISOString(),
        method: 'app',
      };
      posts.push({ unitId: p.unitId, checkpointId: cp.id, body, resend: rand() < RESEND_SHARE });
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
    // 201 stored now, or 200 stored by an earlier, interrupted start: either way stored once.
    const first = await apiWithRetry(stack, undefined, 'POST', '/v1/checkins', post.body);
    if (first.status !== 201 && first.status !== 200)
      throw new Error(`A demo check-in was refused: ${first.status} ${JSON.stringify(first.json)}`);
    if (post.resend) {
      const again = await apiWithRetry(stack, undefined, 'POST', '/v1/checkins', post.body);
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

/** A version-4 UUID drawn from the seeded PRNG (the check-in's client id). */
function uuid(rand: () => number): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(rand() * 256));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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
