import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from '../integration/stack.ts';
import { launchChromium, type Seeded, seedCheckpoint } from './browser.ts';

/**
 * The console's forms in headless Chromium against a local stack: a checkpoint edited in place (the API's field
 * errors beside the fields), a spreadsheet imported as a job (the file PUT from the console's origin straight to the
 * local S3, as the deployed console PUTs it to the bucket, then followed to its end with its row errors), and a
 * personal card printed.
 */
let stack: LocalStack;
let api: Client;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[] = [];
let seeded: Seeded;
const dir = mkdtempSync(join(tmpdir(), 'vaora-console-import-'));

beforeAll(async () => {
  [stack, browser] = await Promise.all([testStack(), launchChromium()]);
  api = client(stack);
  seeded = await seedCheckpoint(api, 'cai-chien', 'Nhà máy may Hải Hà');
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await context?.close();
});

async function open(role: 'admin' | 'unit-manager', unitId: string, screen = 'diem-kiem-soat') {
  context = await browser.newContext({ locale: 'vi-VN', timezoneId: 'UTC', acceptDownloads: true });
  page = await context.newPage();
  problems = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  await page.goto(`${stack.url}/console/#token=${await stack.token(role, unitId)}`);
  // Signed in (the token read from the fragment) before the address names the screen.
  await page.locator('#sign-out').waitFor();
  await page.evaluate(`location.hash = '#/${screen}/${unitId}'`);
}

async function checkpoint(id: string) {
  const res = await api.call('GET', `/v1/units/${seeded.unitId}/checkpoints?limit=100`, {
    token: await api.as('admin', 'quang-ninh'),
  });
  return res.json.items.find((cp: { id: string }) => cp.id === id);
}

describe('the console’s checkpoint form', () => {
  it('edits a checkpoint in place: a cleared field is named beside it and nothing changes, then the new name shows', async () => {
    await open('unit-manager', seeded.unitId);
    const item = page.locator(`li.checkpoint[data-id="${seeded.id}"]`);
    await item.locator('button.edit').click();
    const form = item.locator('form.edit-checkpoint');
    expect(await form.locator('input[name=placeName]').inputValue()).toBe('Nhà máy may Hải Hà');

    // The API's 400 names placeName: said beside it, in Vietnamese; the checkpoint is as it was.
    await form.locator('input[name=placeName]').fill('  ');
    await form.locator('button[type=submit]').click();
    expect(await form.locator('.field-error[data-field=placeName]').textContent()).toBe('Bắt buộc nhập');
    expect(await form.locator('input[name=placeName]').getAttribute('aria-invalid')).toBe('true');
    expect((await checkpoint(seeded.id)).placeName).toBe('Nhà máy may Hải Hà');

    // A new place name and kind: the name follows the rule (it followed it), the item shows it at once.
    await form.locator('input[name=placeName]').fill('Chợ Quảng Hà');
    await form.locator('select[name=kind]').selectOption('market');
    await form.locator('button[type=submit]').click();
    await form.waitFor({ state: 'detached' });
    const stored = await checkpoint(seeded.id);
    expect(stored).toMatchObject({ placeName: 'Chợ Quảng Hà', kind: 'market', followsNamingRule: true });
    expect(stored.name).not.toBe(seeded.name);
    expect(stored.name).toContain('Chợ Quảng Hà');
    expect(await item.locator('.name strong').textContent()).toBe(stored.name);
    expect(await item.locator('.meta').textContent()).toContain('Chợ');
    expect(problems.filter((p) => !p.includes('400'))).toEqual([]);
  }, 60_000);

  it('shows a refusal, not a form error, when the API answers 403', async () => {
    // A manager of another commune opens this commune's list by its address.
    const other = await api.call('POST', '/v1/units', {
      token: await api.as('admin', 'quang-ninh'),
      body: { id: 'quang-chinh', name: 'Xã Quảng Chính', parentId: 'quang-ninh', kind: 'commune' },
    });
    expect(other.status).toBe(201);
    await open('unit-manager', 'quang-chinh');
    await page.evaluate(`location.hash = '#/diem-kiem-soat/${seeded.unitId}'`);
    await page.locator('.problem.refused').waitFor();
    expect(await page.locator('#checkpoints').count()).toBe(0);
  }, 60_000);
});

/** A <progress> element as the page sees it (this project's types have no DOM). */
type Bar = { value: number; max: number };

/** Three checkpoints, the second without an address (sheet row 3: the header is row 1). */
async function workbook(): Promise<string> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('Điểm kiểm soát');
  sheet.addRow(['Loại hình', 'Tên địa điểm', 'Địa chỉ', 'Mã tham chiếu']);
  sheet.addRow(['Trường học', 'Trường Tiểu học Cái Chiên', 'Thôn 1', 'tr-1']);
  sheet.addRow(['shop', 'Cửa hàng Thu Hà', '', 'ch-2']);
  sheet.addRow(['factory', 'Xưởng gỗ Cái Chiên', 'Thôn 3', 'xg-3']);
  const file = join(dir, 'diem-kiem-soat.xlsx');
  writeFileSync(file, Buffer.from(await book.xlsx.writeBuffer()));
  return file;
}

describe('the console’s import', () => {
  it('uploads a workbook from the console straight to storage and follows the job to done, the bad row shown by row and column', async () => {
    await open('unit-manager', seeded.unitId);
    const form = page.locator('#import-checkpoints');
    // No file: said beside the file field, nothing asked of the API.
    await form.locator('button[type=submit]').click();
    expect(await form.locator('.field-error[data-field=file]').textContent()).toBe(
      'Chọn một tệp .xlsx hoặc .csv',
    );

    await form.locator('input[type=file]').setInputFiles(await workbook());
    await form.locator('button[type=submit]').click();
    const job = form.locator('.import-job[data-status="succeeded"]');
    await job.waitFor({ timeout: 60_000 });
    // The upload reached its end, and so did the job's bar: 3 rows of 3.
    expect(
      await form.locator('#import-upload-checkpoints').evaluate((p) => (p as unknown as Bar).value),
    ).toBe(1);
    const bar = job.locator('progress.import-progress');
    expect(await bar.evaluate((p) => [(p as unknown as Bar).value, (p as unknown as Bar).max])).toEqual([
      3, 3,
    ]);
    expect(await job.locator('[data-count=created]').textContent()).toBe('2');
    expect(await job.locator('[data-count=rejected]').textContent()).toBe('1');
    const rows = await job
      .locator('table.import-problems tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [
          tr.getAttribute('data-row'),
          tr.getAttribute('data-column'),
          ...[...tr.querySelectorAll('td')].map((td) => td.textContent),
        ]),
      );
    expect(rows).toEqual([['3', 'address', '3', 'Địa chỉ', 'Thiếu']]);
    // Stored: the two good rows, under the unit.
    const names = (
      await api.call('GET', `/v1/units/${seeded.unitId}/checkpoints?limit=100`, {
        token: await api.as('admin', 'quang-ninh'),
      })
    ).json.items.map((cp: { placeName: string }) => cp.placeName);
    expect(names).toEqual(expect.arrayContaining(['Trường Tiểu học Cái Chiên', 'Xưởng gỗ Cái Chiên']));
    expect(names).not.toContain('Cửa hàng Thu Hà');
    // Neither the policy nor CORS got in the way of the PUT.
    expect(problems).toEqual([]);
  }, 120_000);

  it("lets the console's origin, and no other, PUT to the upload URL (the bucket's CORS, as in AWS)", async () => {
    const started = await api.call('POST', '/v1/imports', {
      token: await api.as('unit-manager', seeded.unitId),
      body: { what: 'checkpoints', unitId: seeded.unitId, format: 'csv' },
    });
    expect(started.status).toBe(201);
    const preflight = (origin: string) =>
      fetch(started.json.upload.url, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'content-type',
        },
      });
    const allowed = await preflight(stack.url);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-methods')).toBe('PUT');
    expect((await preflight('http://elsewhere.example')).status).toBe(403);
    // The console's pages may reach that origin, and no other.
    const policy = (await fetch(`${stack.url}/console/`)).headers.get('content-security-policy') ?? '';
    expect(policy).toContain(`connect-src 'self' ${new URL(started.json.upload.url).origin};`);
  });
});

describe('the console’s personal cards', () => {
  it('prints a card for a phone, naming a bad number beside its field', async () => {
    await open('unit-manager', seeded.unitId);
    const form = page.locator('#personal-card');
    await form.locator('input[name=phone]').fill('12345');
    await form.locator('button[type=submit]').click();
    expect(await form.locator('.field-error[data-field=phone]').textContent()).toBe(
      'Không phải số di động Việt Nam',
    );
    await form.locator('input[name=phone]').fill('0912 345 678');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      form.locator('button[type=submit]').click(),
    ]);
    expect(download.suggestedFilename()).toBe('the-qr-ca-nhan.pdf');
    expect(
      readFileSync((await download.path())!)
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    expect(await form.locator('#card-result').textContent()).toBe('Đã tạo thẻ mới.');
    // The same phone again: the same card, said so.
    await form.locator('input[name=phone]').fill('+84912345678');
    await Promise.all([page.waitForEvent('download'), form.locator('button[type=submit]').click()]);
    await expect.poll(() => form.locator('#card-result').textContent()).toMatch(/^Số này đã có thẻ/);
  }, 60_000);
});
