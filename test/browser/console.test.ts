import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { addDays } from '../../src/core/time.ts';
import { type DemoResult, runDemo } from '../../src/local/demo.ts';
import { HAI_HA } from '../../src/local/hai-ha.ts';
import { readOutbox } from '../../src/local/sms-outbox.ts';
import { launchChromium } from './browser.ts';

/**
 * The staff console in headless Chromium against a local stack seeded as `npm start` seeds it (a tenth of the
 * check-ins): a district admin's `--console` link opens the Hải Hà report on screen, with the Cộng row of the
 * stored report, and its download button fetches the XLSX through a link asked for at the click.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'vaora-console-test-'));
let stack: DemoResult;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    runDemo({
      provinceId: 'quang-ninh',
      port: 0,
      dataDir,
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      s3Endpoint: inject('s3Endpoint'),
      namePrefix: `tcon${process.pid}`,
      keepRunning: false,
      checkinScale: 500,
      out: () => {},
    }),
    launchChromium(),
  ]);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});
afterEach(async () => {
  await context?.close();
});

/** What `npx vaora token --role … --unit … --console` prints, for this stack. */
async function consoleLink(role: 'admin' | 'unit-manager' | 'tracer', unitId: string): Promise<string> {
  return `${stack.url}/console/#token=${await stack.token(role, unitId)}`;
}

async function open(link: string): Promise<void> {
  // UTC, pinned: the datetime-local fields the tests fill are read in the browser's zone.
  context = await browser.newContext({ locale: 'vi-VN', timezoneId: 'UTC', acceptDownloads: true });
  page = await context.newPage();
  problems = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  await page.goto(link);
}

/** A `datetime-local` value in the browser's zone (pinned to UTC by open()) for an instant. */
const localInput = (t: number) => new Date(t).toISOString().slice(0, 16);

/** The API as the province's admin (what the tests set up and check with, beside the browser). */
async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await stack.token('admin', 'quang-ninh')}`,
      'content-type': 'application/json',
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

/** The weekly run for the week starting `start`, through the API, waited for. */
async function runWeek(start: string): Promise<void> {
  const started = await call('POST', '/v1/reports/weekly', { start });
  expect(started.status).toBe(202);
  for (;;) {
    const { json: run } = await call('GET', `/v1/reports/runs/${started.json.runId}`);
    if (run.status === 'succeeded') return;
    expect(run.status, JSON.stringify(run)).toBe('running');
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

/** The Cộng row of the report's first sheet, as stored in the XLSX: columns (2)…(7) by the report's keys. */
async function xlsxTotals(file: string): Promise<Record<string, number>> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(readFileSync(file) as unknown as ArrayBuffer);
  const sheet = book.worksheets[0]!;
  let totals: ExcelJS.Row | undefined;
  sheet.eachRow((row) => {
    if (row.getCell(2).value === 'Cộng') totals = row;
  });
  expect(totals, 'a Cộng row in the XLSX').toBeDefined();
  const n = (c: number) => Number(totals!.getCell(c).value);
  return {
    checkpointsTotal: n(3),
    checkpointsNew: n(4),
    checkins: n(5),
    activeCheckpoints: n(6),
    namingViolations: n(8),
  };
}

describe('the staff console', () => {
  it("opens a district admin's --console link on the Hải Hà report, with the XLSX's Cộng, and downloads the XLSX", async () => {
    await open(await consoleLink('admin', HAI_HA.id));
    const totals = page.locator('#totals');
    await totals.waitFor({ state: 'visible' });
    // The token left the address bar at once, and is kept for this tab only.
    expect(page.url()).toBe(`${stack.url}/console/`);
    expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual(['vaora.console.token']);
    expect(await page.locator('.report-title').textContent()).toContain(HAI_HA.name);
    expect(await totals.locator('th').textContent()).toBe('Cộng');
    const onScreen = Object.fromEntries(
      await totals
        .locator('td[data-key]')
        .evaluateAll((cells) => cells.map((c) => [c.getAttribute('data-key'), c.getAttribute('data-value')])),
    ) as Record<string, string>;

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('button[data-format="xlsx"]').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(
      /^bao-cao-hai-ha-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.xlsx$/,
    );
    const stored = await xlsxTotals((await download.path())!);
    expect(stored.checkpointsTotal).toBe(324);
    expect(stored.checkins).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(stored)) expect(Number(onScreen[key]), key).toBe(value);
    // And as a person reads it: Vietnamese thousands separators in the cells.
    expect(await totals.locator('td[data-key="checkpointsTotal"]').textContent()).toBe('324');
    expect(await totals.locator('td[data-key="checkins"]').textContent()).toBe(
      new Intl.NumberFormat('vi-VN').format(stored.checkins!),
    );
    expect(problems).toEqual([]);
  }, 120_000);

  it("shows a commune manager their commune's report, and a refusal (never an empty report) for the district", async () => {
    await open(await consoleLink('unit-manager', 'quang-chinh'));
    const title = page.locator('.report-title');
    await title.waitFor({ state: 'visible' });
    expect(await title.textContent()).toContain('Quảng Chính');
    // The district is not in the picker; a link to it (or a typed address) gets the API's 403, said as such.
    expect(await page.locator('#unit option[value="hai-ha"]').count()).toBe(0);
    await page.evaluate("location.hash = '#/bao-cao/hai-ha'");
    const refused = page.locator('.problem.refused');
    await refused.waitFor({ state: 'visible' });
    expect(await refused.textContent()).toContain('Không có quyền truy cập');
    expect(await page.locator('#totals, .empty').count()).toBe(0);
    // The same on the checkpoints screen: a refusal, not "no checkpoints".
    await page.evaluate("location.hash = '#/diem-kiem-soat/hai-ha'");
    await page.locator('.problem.refused').waitFor({ state: 'visible' });
    expect(await page.locator('#checkpoints, .empty').count()).toBe(0);
    // The browser logs each refused request (403) as a failed resource: those are the only errors.
    expect(problems.filter((p) => !p.includes('403'))).toEqual([]);
  }, 60_000);

  it('serves the console under a strict policy and the sign-in page stands in for managed login', async () => {
    const res = await fetch(`${stack.url}/console/`);
    expect(res.status).toBe(200);
    const policy = res.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    // No inline script: every script is a file of the console's own origin.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);

    await open(`${stack.url}/console/`);
    await page.locator('#sign-in').click();
    await page.waitForURL(/\/console\/sign-in$/);
    // A demo account of the local users table (npm start prints them): a wrong password first.
    await page.fill('input[name=username]', 'lan.nt');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    expect(await page.locator('.problem[role=alert]').textContent()).toContain('không đúng');
    expect(page.url()).toBe(`${stack.url}/console/sign-in`);
    await page.fill('input[name=password]', readFileSync(join(dataDir, 'demo-password'), 'utf8').trim());
    await page.click('button[type=submit]');
    await page.locator('#totals').waitFor({ state: 'visible' });
    expect(page.url()).toBe(`${stack.url}/console/`);
    // Lan is Hải Hà's admin: the session is hers, with her role and unit.
    expect(await page.locator('.report-title').textContent()).toContain(HAI_HA.name);
    expect(await page.locator('.who').textContent()).toContain('Quản trị');
    await page.locator('#sign-out').click();
    await page.locator('#sign-in').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    // The one refused sign-in (401) is the browser's only logged error.
    expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
  }, 60_000);

  it("opens the period an address names (the Friday e-mail's link), and the latest without one", async () => {
    // A second week reported, so there is an older period to name.
    const before = await call('GET', `/v1/units/${HAI_HA.id}/reports`);
    const latest = before.json.items[0].start as string;
    const older = addDays(latest, -7);
    await runWeek(older);

    await open(`${stack.url}/console/#token=${await stack.token('admin', HAI_HA.id)}`);
    await page.locator('#totals').waitFor({ state: 'visible' });
    expect(await page.locator('#period').inputValue()).toBe(latest);
    await page.evaluate(`location.hash = '#/bao-cao/${HAI_HA.id}/${older}'`);
    // (Polled from here: the console's policy forbids the eval a string predicate would need.)
    await expect.poll(() => page.locator('#period').inputValue(), { timeout: 30_000 }).toBe(older);
    await page.locator('#totals').waitFor({ state: 'visible' });
    // A period the unit has no report for opens the latest.
    await page.evaluate(`location.hash = '#/bao-cao/${HAI_HA.id}/1999-01-01'`);
    await expect.poll(() => page.locator('#period').inputValue(), { timeout: 30_000 }).toBe(latest);
    expect(problems).toEqual([]);

    // The e-mail's link opened before signing in: after the sign-in page, the console opens that very view.
    await context.close();
    await open(`${stack.url}/console/#/bao-cao/${HAI_HA.id}/${older}`);
    await page.locator('#sign-in').click();
    await page.fill('input[name=username]', 'lan.nt');
    await page.fill('input[name=password]', readFileSync(join(dataDir, 'demo-password'), 'utf8').trim());
    await page.click('button[type=submit]');
    await page.locator('#totals').waitFor({ state: 'visible' });
    expect(page.url()).toBe(`${stack.url}/console/#/bao-cao/${HAI_HA.id}/${older}`);
    expect(await page.locator('#period').inputValue()).toBe(older);
  }, 120_000);

  it('lets a district admin list, create and disable its staff accounts; the new account signs in; a manager has no such screen', async () => {
    const password = readFileSync(join(dataDir, 'demo-password'), 'utf8').trim();
    await open(`${stack.url}/console/sign-in`);
    await page.fill('input[name=username]', 'lan.nt');
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
    await page.locator('#totals').waitFor({ state: 'visible' });
    await page.click('nav a:has-text("Tài khoản cán bộ")');
    const rows = page.locator('#users tbody tr');
    await rows.first().waitFor();
    // Hải Hà and the communes below it: never the province's own admin.
    expect(
      (await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-username')))).sort(),
    ).toEqual(['hoa.pt', 'lan.nt', 'tuan.le']);

    // The API's field errors beside their fields, in Vietnamese; nothing created.
    await page.fill('#create-user input[name=username]', 'Nguyễn');
    await page.fill('#create-user input[name=email]', 'not-an-address');
    await page.click('#create-user button[type=submit]');
    expect(await page.locator('.field-error[data-field=email]').textContent()).toBe(
      'Địa chỉ thư điện tử không hợp lệ',
    );
    expect(await page.locator('.field-error[data-field=username]').textContent()).toMatch(
      /^Chỉ gồm chữ thường/,
    );
    expect(await rows.count()).toBe(3);

    await page.fill('#create-user input[name=username]', 'mai.dt');
    await page.fill('#create-user input[name=name]', 'Đỗ Thị Mai');
    await page.fill('#create-user input[name=email]', 'mai.dt@vaora.example');
    await page.fill('#create-user input[name=unitId]', 'quang-chinh');
    await page.click('#create-user button[type=submit]');
    const temporary = (await page.locator('#user-created code').textContent()) ?? '';
    expect(temporary.length).toBeGreaterThanOrEqual(12);
    await page.locator('#users tr[data-username="mai.dt"]').waitFor();

    // Mai signs in with it, as the commune's manager: no staff accounts screen for her.
    const admin = page;
    await open(`${stack.url}/console/sign-in`);
    await page.fill('input[name=username]', 'mai.dt');
    await page.fill('input[name=password]', temporary);
    await page.click('button[type=submit]');
    await page.locator('.report-title').waitFor({ state: 'visible' });
    expect(await page.locator('.report-title').textContent()).toContain('Quảng Chính');
    expect(await page.locator('nav a:has-text("Tài khoản cán bộ")').count()).toBe(0);

    // Disabled, she signs in no more.
    admin.once('dialog', (dialog) => dialog.accept());
    await admin.click('#users tr[data-username="mai.dt"] button.disable');
    await admin.locator('#users tr[data-username="mai.dt"].disabled').waitFor();
    await page.goto(`${stack.url}/console/sign-in`);
    await page.fill('input[name=username]', 'mai.dt');
    await page.fill('input[name=password]', temporary);
    await page.click('button[type=submit]');
    expect(await page.locator('.problem[role=alert]').textContent()).toContain('không đúng');
    await admin.context().close();
  }, 120_000);

  it('traces in a case from the console: contacts with their overlap, an export, an alert a second tracer approves, the audit', async () => {
    // A and B at one checkpoint together for 20 minutes, three hours ago; C came after they left.
    const cp = (await call('GET', '/v1/units/quang-ha/checkpoints?limit=1')).json.items[0];
    const T = Date.now() - 3 * 3_600_000;
    const at = (minutes: number) => new Date(T + minutes * 60_000).toISOString();
    const PHONES = { A: '0912999001', B: '0912999002', C: '0912999003' };
    for (const [who, direction, minutes] of [
      ['A', 'in', 0],
      ['B', 'in', 10],
      ['A', 'out', 30],
      ['B', 'out', 40],
      ['C', 'in', 60],
      ['C', 'out', 90],
    ] as const) {
      const res = await call('POST', '/v1/checkins', {
        id: randomUUID(),
        code: cp.code,
        phone: PHONES[who],
        direction,
        at: at(minutes),
      });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
    }

    await open(`${stack.url}/console/#token=${await stack.token('tracer', HAI_HA.id, 'tracer-lan')}`);
    await page.locator('nav a:has-text("Truy vết")').click();
    await page.locator('#open-case').waitFor();
    await page.fill('#open-case input[name=ref]', `F0-QN-${Date.now() % 10_000}`);
    await page.fill('#open-case input[name=reason]', 'Ca dương tính xác nhận');
    await page.click('#open-case button[type=submit]');
    await page.locator('#trace').waitFor();

    // A's contacts: B, with the 20 minutes they overlapped; not C.
    await page.fill('#trace input[name=target]', '0912 999 001');
    await page.click('#trace button[type=submit]');
    await page.locator('#trace-result tbody tr').first().waitFor();
    const contacts = await page
      .locator('#trace-result tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute('data-phone'), tr.querySelector('.overlap')?.textContent]),
      );
    expect(contacts).toEqual([[PHONES.B, '20']]);
    // The same answer for the case file, through a signed link asked for at the click.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#trace-xlsx')]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);

    // An alert to whoever was there: the author cannot approve it, a second tracer can; each phone texted once.
    await page.fill('#draft-alert input[name=checkpointIds]', cp.id);
    await page.fill('#draft-alert input[name=from]', localInput(T - 60 * 60_000));
    await page.fill('#draft-alert input[name=to]', localInput(T + 120 * 60_000));
    await page.click('#draft-alert button[type=submit]');
    const alert = page.locator('#alerts li[data-status="draft"]');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('3 số nhận');
    await alert.locator('button.approve').click();
    await page.locator('.problem.refused').waitFor();
    const second = await browser.newContext({ locale: 'vi-VN', timezoneId: 'UTC' });
    const approver = await second.newPage();
    await approver.goto(
      `${stack.url}/console/#token=${await stack.token('tracer', HAI_HA.id, 'tracer-hoa')}`,
    );
    await approver.locator('nav a:has-text("Truy vết")').click();
    await approver.locator('#alerts li[data-status="draft"] button.approve').click();
    await approver
      .locator('#alerts li[data-status="sending"], #alerts li[data-status="sent"]')
      .first()
      .waitFor();
    await second.close();
    await expect
      .poll(async () => (await readOutbox(dataDir)).map((m) => m.to).sort(), { timeout: 30_000 })
      .toEqual(
        Object.values(PHONES)
          .map((p) => `+84${p.slice(1)}`)
          .sort(),
      );

    // The admin's audit: the query, with its case, and never the number.
    await open(`${stack.url}/console/#token=${await stack.token('admin', HAI_HA.id)}`);
    await page.locator('nav a:has-text("Truy vết")').click();
    const audited = page.locator('#audit tr[data-action="trace.contacts"]');
    await audited.first().waitFor();
    const text = (await page.locator('#audit').textContent()) ?? '';
    expect(text).toContain('trace.export');
    expect(text).toContain('alert.approve');
    for (const phone of Object.values(PHONES)) expect(text).not.toContain(phone.slice(1));
    // The kill switch is the province's: a district admin is refused, the province's admin pauses and resumes.
    page.on('dialog', (dialog) => dialog.accept());
    await page.click('#pause-alerts');
    await page.locator('.problem.refused').waitFor();
    await open(`${stack.url}/console/#token=${await stack.token('admin', 'quang-ninh')}`);
    page.on('dialog', (dialog) => dialog.accept());
    await page.locator('nav a:has-text("Truy vết")').click();
    await page.click('#pause-alerts');
    expect(await page.locator('#switch-state').textContent()).toMatch(/^Đã tạm dừng/);
    await page.click('#resume-alerts');
    await expect
      .poll(() => page.locator('#switch-state').textContent())
      .toMatch(/^Đã tiếp tục: \d+ cảnh báo/);
  }, 180_000);

  it('lets the province admin add, rename and move units in the tree, with the API field errors beside the fields', async () => {
    await open(`${stack.url}/console/#token=${await stack.token('admin', 'quang-ninh')}`);
    await page.locator('nav a:has-text("Đơn vị")').click();
    const root = page.locator('#unit-tree > li[data-unit="quang-ninh"]');
    await root.waitFor();
    const district = root.locator(':scope > ul > li[data-unit="hai-ha"]');
    // A district of the province, opened: its communes.
    await district.locator(':scope > button.toggle').click();
    await district.locator(':scope > ul > li[data-unit="quang-chinh"]').waitFor();

    // A new district beside it; a bad id is named beside its field and nothing is made.
    await root.locator(':scope > .actions button.add').click();
    const form = root.locator(':scope > .card form');
    await form.locator('input[name=id]').fill('Huyện Mới');
    await form.locator('input[name=name]').fill('Huyện Mới');
    await form.locator('select[name=kind]').selectOption('district');
    await form.locator('button[type=submit]').click();
    await form.locator('.field-error[data-field=id]').waitFor();
    expect(
      (await call('GET', '/v1/units/quang-ninh')).json.children.map((u: { id: string }) => u.id),
    ).not.toContain('huyen-moi');
    await form.locator('input[name=id]').fill('huyen-moi');
    await form.locator('button[type=submit]').click();
    const added = root.locator(':scope > ul > li[data-unit="huyen-moi"]');
    await added.waitFor();

    // Renamed, then a commune of Hải Hà moved under it: the API has both.
    await added.locator(':scope > .actions button.rename').click();
    await added.locator('input[name=name]').fill('Huyện Tiên Yên');
    await added.locator('button[type=submit]').click();
    await root
      .locator(':scope > ul > li[data-unit="huyen-moi"] .unit-name', { hasText: 'Huyện Tiên Yên' })
      .waitFor();
    // Hải Hà is still open (a unit stays as it was left): its commune moves under the new district.
    const commune = district.locator(':scope > ul > li[data-unit="quang-chinh"]');
    await commune.locator(':scope > .actions button.move').click();
    await commune.locator('input[name=parentId]').fill('huyen-moi');
    await commune.locator('button[type=submit]').click();
    await expect
      .poll(async () =>
        (await call('GET', '/v1/units/huyen-moi')).json.children?.map((u: { id: string }) => u.id),
      )
      .toEqual(['quang-chinh']);
    expect((await call('GET', '/v1/units/huyen-moi')).json.name).toBe('Huyện Tiên Yên');
    // Moved back, so the tests after this one find the demo as it was.
    expect((await call('PATCH', '/v1/units/quang-chinh', { parentId: 'hai-ha' })).status).toBe(200);
  }, 120_000);

  // Last: it renames the demo's checkpoints, which the tests above read as seeded.
  it("renames a district's misnamed checkpoints to the rule and the rerun week counts none; prints its communes' posters", async () => {
    const latest = (await call('GET', `/v1/units/${HAI_HA.id}/reports`)).json.items[0].start as string;
    const before = (await call('GET', `/v1/units/${HAI_HA.id}/reports/${latest}/data`)).json;
    const misnamed = before.totals.namingViolations as number;
    expect(misnamed).toBeGreaterThan(0);

    await open(`${stack.url}/console/#token=${await stack.token('admin', HAI_HA.id)}`);
    await page.locator('#totals').waitFor({ state: 'visible' });
    await page.evaluate(`location.hash = '#/diem-kiem-soat/${HAI_HA.id}'`);
    await page.locator('#rename-all').waitFor({ state: 'visible' });
    // The district has no checkpoint of its own: the screen opens on its communes'.
    await page.locator('li.checkpoint').first().waitFor({ state: 'visible' });
    page.once('dialog', (dialog) => dialog.accept());
    await page.click('#rename-all');
    expect(await page.locator('#unit-tools-result').textContent()).toBe(
      `Đã đặt lại tên cho ${misnamed} điểm.`,
    );
    await runWeek(latest);
    const after = (await call('GET', `/v1/units/${HAI_HA.id}/reports/${latest}/data`)).json;
    expect(after.totals.namingViolations).toBe(0);
    expect(after.totals.checkpointsTotal).toBe(before.totals.checkpointsTotal);

    // The district has no checkpoint of its own: every poster page is a commune's.
    expect((await call('GET', `/v1/units/${HAI_HA.id}/checkpoints`)).json.items).toEqual([]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#subtree-posters')]);
    const printed = Number(
      /của (\d+) điểm/.exec((await page.locator('#unit-tools-result').textContent()) ?? '')?.[1],
    );
    expect(printed).toBeGreaterThan(0);
    const info = execFileSync('pdfinfo', [(await download.path())!], { encoding: 'utf8' });
    expect(Number(/^Pages:\s+(\d+)$/m.exec(info)?.[1])).toBe(printed);
    expect(problems).toEqual([]);
  }, 180_000);
});
