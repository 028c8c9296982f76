import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import PostalMime from 'postal-mime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previousCompletePeriod } from '../../src/core/time.ts';
import { mailOutboxDir, readMailOutbox } from '../../src/local/mail-outbox.ts';
import { readMailQueue } from '../../src/local/mail-queue.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import type { JsonReport } from '../../src/render/json.ts';
import { type Client, client, runWeeklyReport, testStack } from './stack.ts';

/**
 * The Friday delivery end to end on the local stack: a weekly run leaves one `.eml` per subscribed staff member of
 * each reported unit in the data folder's outbox (none for one who opted out), each with the report's own Cộng and a
 * link into the console; running the week again sends nothing twice; an outbox that fails does not fail the run,
 * and the delivery is retried until it goes through.
 */

const PROVINCE = 'quang-ninh';
const period = previousCompletePeriod(new Date());
const earlier = (() => {
  const d = new Date(`${period.start}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 7);
  return d.toISOString().slice(0, 10);
})();

/** Staff accounts made through POST /v1/users, as an admin makes them in the console; one opts out, one is disabled. */
const STAFF = [
  { username: 'an.tv', email: 'an@quangninh.example', name: 'Trần Văn An', role: 'admin', unitId: PROVINCE },
  { username: 'lan', email: 'lan@haiha.example', name: 'Nguyễn Thị Lan', role: 'admin', unitId: 'hai-ha' },
  { username: 'minh', email: 'minh@haiha.example', role: 'unit-manager', unitId: 'hai-ha' },
  { username: 'tuan', email: 'tuan@haiha.example', name: 'Lê Tuấn', role: 'unit-manager', unitId: 'hai-ha' },
  { username: 'ha.nt', email: 'ha@haiha.example', role: 'unit-manager', unitId: 'hai-ha' },
  {
    username: 'hoa',
    email: 'hoa@quangha.example',
    name: 'Phạm Hoa',
    role: 'unit-manager',
    unitId: 'quang-ha',
  },
];
/** Who gets which unit's e-mail: the staff of that very unit who have not opted out. */
const EXPECTED = [
  ['an@quangninh.example', PROVINCE],
  ['hoa@quangha.example', 'quang-ha'],
  ['lan@haiha.example', 'hai-ha'],
  ['minh@haiha.example', 'hai-ha'],
].sort();

let stack: LocalStack;
let api: Client;
let admin: string;

async function mailsOf(start: string) {
  const all = await Promise.all(
    (await readMailOutbox(stack.dataDir)).map(async (m) => ({
      ...m,
      parsed: await PostalMime.parse(await readFile(m.file)),
    })),
  );
  return all.filter((m) => m.subject.includes(start.split('-').reverse().join('/')));
}

/** Until the in-process queue has nothing waiting (every notice delivered or dead-lettered). */
async function queueDrained(timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { waiting } = await readMailQueue(stack.dataDir);
    if (waiting.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${waiting.length} notices still waiting`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', PROVINCE);
  for (const unit of [
    { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: PROVINCE, kind: 'district' },
    { id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'hai-ha', kind: 'commune' },
  ]) {
    expect((await api.call('POST', '/v1/units', { token: admin, body: unit })).status).toBe(201);
  }
  const imported = await api.call('POST', '/v1/units/quang-ha/checkpoints/import', {
    token: admin,
    body: {
      checkpoints: [1, 2, 3].map((i) => ({
        kind: 'market',
        placeName: `Chợ số ${i}`,
        address: `Khu ${i}`,
        createdAt: '2025-01-01T00:00:00.000Z',
      })),
    },
  });
  expect(imported.status).toBe(200);
  for (const user of STAFF) {
    const made = await api.call('POST', '/v1/users', { token: admin, body: user });
    expect(made.status, JSON.stringify(made.json)).toBe(201);
  }
  // Tuấn opts out himself; Hà's account is disabled by the admin.
  const tuan = await stack.token('unit-manager', 'hai-ha', 'tuan');
  const optOut = await api.call('PUT', '/v1/me/subscription', { token: tuan, body: { weeklyEmail: false } });
  expect(optOut.json).toEqual({ username: 'tuan', weeklyEmail: false });
  expect((await api.call('POST', '/v1/users/ha.nt/disable', { token: admin })).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the Friday delivery', () => {
  it('leaves one e-mail per subscribed staff member of each reported unit, none for one who opted out', async () => {
    const { run } = await runWeeklyReport(api, admin, { start: period.start });
    expect(run.status).toBe('succeeded');
    await queueDrained();
    const mails = await mailsOf(period.start);
    const sent = mails.map((m) => [m.to, m.link?.split('/#/bao-cao/')[1]?.split('/')[0]]).sort();
    expect(sent).toEqual(EXPECTED);
    expect(mails.map((m) => m.to)).not.toContain('tuan@haiha.example');
    expect(mails.map((m) => m.to)).not.toContain('ha@haiha.example');
    for (const m of mails) {
      // A link into the console, never a signed link to the bucket.
      expect(m.link).toMatch(new RegExp(`^${stack.url}/console/#/bao-cao/[a-z-]+/${period.start}$`));
      expect(`${m.parsed.text}${m.parsed.html}`).not.toMatch(/X-Amz-|Signature=/);
      expect(m.parsed.subject).toMatch(/^Báo cáo tuần: /);
    }
  }, 90_000);

  it("carries the report's own Cộng, read from the stored JSON", async () => {
    const link = await api.call('GET', `/v1/units/hai-ha/reports/${period.start}?format=json`, {
      token: admin,
    });
    expect(link.status).toBe(200);
    const report = (await (await fetch(link.json.url)).json()) as JsonReport;
    expect(report.totals.checkpointsTotal).toBe(3);
    const [lan] = (await mailsOf(period.start)).filter((m) => m.to === 'lan@haiha.example');
    expect(lan!.parsed.text).toContain('Kính gửi Nguyễn Thị Lan,');
    expect(lan!.parsed.text).toContain(`- Số điểm kiểm soát đã tạo: ${report.totals.checkpointsTotal}\n`);
    expect(lan!.parsed.text).toContain(
      `Số điểm kiểm soát không hoạt động trong 7 ngày: ${report.listTotals?.idle ?? report.idle.length}.`,
    );
    expect(lan!.parsed.subject).toContain('Huyện Hải Hà');
  });

  it('sends nothing twice when the same week is run again', async () => {
    const { run } = await runWeeklyReport(api, admin, { start: period.start });
    expect(run.status).toBe('succeeded');
    await queueDrained();
    expect((await mailsOf(period.start)).length).toBe(EXPECTED.length);
  }, 90_000);

  it('does not fail the run when sending fails, and retries the delivery until it goes through', async () => {
    // The outbox cannot be written: a file stands where its folder should be.
    const outbox = mailOutboxDir(stack.dataDir);
    await rename(outbox, `${outbox}.kept`);
    await writeFile(outbox, 'not a folder');
    const { run } = await runWeeklyReport(api, admin, { start: earlier });
    expect(run.status).toBe('succeeded');
    expect(run.failed).toEqual([]);

    // The notices wait, with a failed attempt each.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { waiting } = await readMailQueue(stack.dataDir);
      if (waiting.length === 3 && waiting.every((w) => w.attempts >= 1)) break;
      if (Date.now() > deadline) throw new Error(`waiting: ${JSON.stringify(waiting)}`);
      await new Promise((ok) => setTimeout(ok, 50));
    }
    // The reports are there all the same.
    const listed = await api.call('GET', '/v1/units/hai-ha/reports', { token: admin });
    expect(JSON.stringify(listed.json)).toContain(earlier);

    await rm(outbox);
    await rename(`${outbox}.kept`, outbox);
    await queueDrained();
    const retried = (await mailsOf(earlier)).map((m) => m.to).sort();
    expect(retried).toEqual(EXPECTED.map(([to]) => to).sort());
    expect((await readMailQueue(stack.dataDir)).dead).toEqual([]);
  }, 90_000);
});
