import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { makePhoneReader } from '../../src/adapters/phone-vault.ts';
import { keys } from '../../src/keys.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from '../integration/stack.ts';
import {
  countedCheckins,
  hanoiTime,
  launchChromium,
  type Seeded,
  seedCheckpoint,
  storedCheckins,
  visibleText,
} from './browser.ts';

/**
 * The gate page (/g/<code>) in headless Chromium: a unit-manager's link on the gate tablet, a phone number typed
 * by staff, a personal card typed by a keyboard-wedge scanner (its code, then Enter), and refusals.
 */
let stack: LocalStack;
let api: Client;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let unitCount = 0;
/** Errors the page threw (a script refused by the page's own policy would throw here too). */
let problems: string[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([testStack(), launchChromium()]);
  api = client(stack);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});
afterEach(async () => {
  await page?.unrouteAll({ behavior: 'ignoreErrors' });
  await context?.close();
});

/** A checkpoint in a commune of its own, and the gate tablet opened with a unit-manager's link for `tokenUnit`. */
async function openGate(tokenUnit?: (cp: Seeded) => string): Promise<Seeded> {
  unitCount += 1;
  const cp = await seedCheckpoint(api, `cong-${unitCount}`, `Nhà máy may ${unitCount}`);
  const token = await api.as('unit-manager', tokenUnit ? tokenUnit(cp) : cp.unitId);
  context = await browser.newContext({ timezoneId: 'America/New_York', locale: 'vi-VN' });
  page = await context.newPage();
  problems = [];
  page.on('pageerror', (err) => problems.push(err.message));
  await page.goto(`${stack.url}/g/${cp.code}#token=${token}`);
  await page.locator('#name', { hasText: cp.name }).waitFor();
  return cp;
}

/** What a keyboard-wedge scanner does: types the QR's content into the focused field, then Enter. */
async function scan(text: string) {
  await page.keyboard.type(text, { delay: 5 });
  await page.keyboard.press('Enter');
}

/**
 * A personal card printed through the API (POST /v1/cards); its code read from the store, as its QR holds it: by
 * the phone's keyed hash, as the card is kept.
 */
async function cardOf(phone: string, e164: string): Promise<string> {
  const card = await api.call('POST', '/v1/cards', { body: { phone } });
  expect(card.status).toBe(201);
  expect(card.headers.get('content-type')).toBe('application/pdf');
  const db = makeDynamoClient(stack.config);
  try {
    const phoneHash = await makePhoneReader(stack.phones).hash(e164);
    const { Item } = await db.send(
      new GetCommand({ TableName: stack.config.checkinsTable, Key: keys.cardOfPhone(phoneHash) }),
    );
    const code = Item!.code as string;
    expect(code).toMatch(/^[23456789BCDFGHJKMNPQRSTVWXZ]{10}$/);
    return code;
  } finally {
    db.destroy();
  }
}

const activeId = () => page.evaluate('document.activeElement && document.activeElement.id');

describe('the gate page /g/<code>', () => {
  it('takes the token out of the address, records a phone typed by staff and keeps the field focused', async () => {
    const cp = await openGate();
    expect(new URL(page.url()).hash).toBe('');
    expect(page.url()).not.toContain('token');
    expect(
      await page.evaluate(`JSON.parse(localStorage.getItem('vaora.gate.token')).split('.').length`),
    ).toBe(3);
    // Who the tablet records for, by name: never the unit's id.
    const staff = (await page.locator('#staff').textContent()) ?? '';
    expect(staff).toMatch(/ · mã truy cập hết hạn lúc \d\d:\d\d ngày \d\d\/\d\d$/);
    expect(staff.startsWith(`Quản lý đơn vị ${cp.unitName} · `)).toBe(true);
    expect(staff).not.toContain(cp.unitId);
    expect(await page.locator('#controls').isDisabled()).toBe(false);
    expect(await activeId()).toBe('entry');
    expect(await page.locator('#camera').isVisible()).toBe(false); // no BarcodeDetector on desktop Chromium

    await scan('0987 654 321');
    const confirmation = await visibleText(page, '#result.in');
    const [stored] = await storedCheckins(stack, cp.id);
    expect(stored).toMatchObject({ phone: '+84987654321', direction: 'in', method: 'assisted' });
    expect(confirmation).toContain('VÀO');
    expect(confirmation).toContain(hanoiTime(stored!.at));
    expect(confirmation).toContain('•••••••321');
    expect(await visibleText(page, '#log li')).toContain('Đã ghi');
    expect(await page.inputValue('#entry')).toBe('');
    expect(await activeId()).toBe('entry');

    // The direction stays as staff left it, across a reload.
    await page.click('#dir-out');
    expect(await activeId()).toBe('entry');
    await page.reload();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    expect(await page.getAttribute('#dir-out', 'aria-pressed')).toBe('true');
    await scan('0903123456');
    await page.locator('#result.out').waitFor();
    const all = await storedCheckins(stack, cp.id);
    expect(all.map((c) => [c.phone, c.direction]).sort()).toEqual([
      ['+84903123456', 'out'],
      ['+84987654321', 'in'],
    ]);
    expect(await countedCheckins(stack, cp.id)).toBe(2);
    expect(problems).toEqual([]);
  });

  it('checks in the holder of a personal card its scanner types, with companions', async () => {
    const code = await cardOf('0779 123 456', '+84779123456');
    const cp = await openGate();
    await page.click('#more');
    await scan(code);
    const confirmation = await visibleText(page, '#result.in');
    expect(confirmation).toContain(`Thẻ •••••••${code.slice(-3)}`);
    expect(confirmation).toContain('+ 1 người đi cùng');
    const stored = await storedCheckins(stack, cp.id);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ phone: '+84779123456', method: 'assisted', companions: 1 });

    // The same card read twice in a breath is one person.
    await scan(code.toLowerCase());
    expect(await visibleText(page, '#entry-error')).toContain('Vừa ghi');
    expect(await storedCheckins(stack, cp.id)).toHaveLength(1);
  });

  it('reads a card with the camera where the browser has BarcodeDetector (Android Chrome)', async () => {
    const code = await cardOf('0868 123 456', '+84868123456');
    unitCount += 1;
    const cp = await seedCheckpoint(api, `cong-${unitCount}`, `Nhà máy may ${unitCount}`);
    const token = await api.as('unit-manager', cp.unitId);
    context = await browser.newContext();
    // Desktop Chromium has no BarcodeDetector and no camera here: a detector that sees what the test shows it,
    // and a camera that films a blank canvas.
    await context.addInitScript(`
      window.BarcodeDetector = class { detect() { return Promise.resolve(window.shown ? [{ rawValue: window.shown }] : []); } };
      navigator.mediaDevices.getUserMedia = () => {
        const canvas = document.createElement('canvas');
        canvas.getContext('2d').fillRect(0, 0, 8, 8);
        return Promise.resolve(canvas.captureStream(5));
      };`);
    page = await context.newPage();
    await page.goto(`${stack.url}/g/${cp.code}#token=${token}`);
    await page.locator('#name', { hasText: cp.name }).waitFor();
    await page.click('#camera');
    await page.locator('#video').waitFor({ state: 'visible' });
    await page.evaluate(`window.shown = ${JSON.stringify(code)}`);
    await page.locator('#result.in').waitFor();
    expect(await page.locator('#video').isVisible()).toBe(false);
    expect((await storedCheckins(stack, cp.id)).map((c) => [c.phone, c.method])).toEqual([
      ['+84868123456', 'assisted'],
    ]);
  });

  it('refuses what is neither a phone nor a card, and a card nobody holds', async () => {
    const cp = await openGate();
    await scan('hello');
    expect(await visibleText(page, '#entry-error')).toContain('Không nhận ra');
    await page.fill('#entry', '');
    await scan(cp.code);
    expect(await visibleText(page, '#entry-error')).toContain('mã của điểm kiểm soát');
    await page.fill('#entry', '');
    await scan('BBBBBBBBBB');
    expect(await visibleText(page, '#result.error')).toContain('Thẻ này không có trong hệ thống');
    expect(await storedCheckins(stack, cp.id)).toEqual([]);
  });

  it('shows a refusal when the token belongs to another unit (403), and records nothing', async () => {
    const other = await seedCheckpoint(api, 'cong-khac', 'Nhà máy khác');
    const cp = await openGate(() => other.unitId);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/v1/checkpoints/${cp.id}/checkins`)),
      scan('0912 345 678'),
    ]);
    expect(answer.status()).toBe(403);
    expect(await visibleText(page, '#result.error')).toContain('không có quyền');
    expect(await visibleText(page, '#banner')).toContain('không có quyền');
    expect(await visibleText(page, '#log li.error')).toContain('Không ghi');
    expect(await page.locator('#waiting').isVisible()).toBe(false);
    expect(await storedCheckins(stack, cp.id)).toEqual([]);
  });

  it('keeps check-ins made without a network on the tablet and sends them in one list, once', async () => {
    const cp = await openGate();
    const tap = new Date(Date.now() - 2 * 60_000);
    await page.clock.setFixedTime(tap);
    await context.setOffline(true);
    await scan('0868 123 456');
    await page.click('#more');
    await scan('0388 111 222');
    await page.locator('#waiting-count', { hasText: /^2$/ }).waitFor();
    expect(await visibleText(page, '#log li.queued:first-child')).toContain('Chờ gửi');
    expect(await storedCheckins(stack, cp.id)).toEqual([]);

    const [list] = await Promise.all([
      page.waitForRequest((r) => r.url().endsWith(`/v1/checkpoints/${cp.id}/checkins`)),
      context.setOffline(false),
    ]);
    expect(list.postDataJSON().checkins).toHaveLength(2);
    await page.locator('#waiting-count', { hasText: /^0$/ }).waitFor({ state: 'attached' });
    const stored = await storedCheckins(stack, cp.id);
    expect(stored.map((c) => [c.phone, c.at, c.method]).sort()).toEqual([
      ['+84388111222', tap.toISOString(), 'assisted'],
      ['+84868123456', tap.toISOString(), 'assisted'],
    ]);
    expect(await countedCheckins(stack, cp.id)).toBe(2);
    expect(await page.locator('#log li.ok').count()).toBe(2);
    // The last one's confirmation, still on screen, now reads as recorded.
    const shown = (await page.locator('#result.in:not(.queued)').textContent()) ?? '';
    expect(shown).toContain('•••••••222');
    expect(shown).toContain('+ 1 người đi cùng');
    expect(shown).not.toContain('sẽ gửi');
  });

  it("names the token's unit when it is above the checkpoint's (a district manager's link)", async () => {
    const admin = await api.as('admin', 'quang-ninh');
    const district = { id: 'huyen-cong', name: 'Huyện Đầm Hà' };
    expect(
      (await api.call('POST', '/v1/units', { token: admin, body: { ...district, parentId: 'quang-ninh' } }))
        .status,
    ).toBe(201);
    unitCount += 1;
    const cp = await seedCheckpoint(api, `cong-${unitCount}`, `Nhà máy may ${unitCount}`, district.id);
    const token = await api.as('unit-manager', district.id);
    context = await browser.newContext({ timezoneId: 'America/New_York', locale: 'vi-VN' });
    page = await context.newPage();
    let unitLookups = 0;
    page.on('request', (r) => {
      if (r.url().includes('/v1/units/')) unitLookups += 1;
    });
    await page.goto(`${stack.url}/g/${cp.code}#token=${token}`);
    await page.locator('#staff', { hasText: `Quản lý đơn vị ${district.name} · ` }).waitFor();
    expect(await page.locator('#unit').textContent()).toBe(cp.unitName);
    expect(await page.locator('#staff').textContent()).not.toContain(district.id);
    expect(unitLookups).toBe(1);

    // The tablet remembers the name: the next opening asks nothing more.
    await page.reload();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    expect(await page.locator('#staff').textContent()).toContain(`Quản lý đơn vị ${district.name} · `);
    expect(unitLookups).toBe(1);
    await scan('0912 345 678');
    await page.locator('#result.in').waitFor();
    expect((await storedCheckins(stack, cp.id)).map((c) => c.phone)).toEqual(['+84912345678']);
  });

  it('takes nothing without a token, and says how to get a link', async () => {
    unitCount += 1;
    const cp = await seedCheckpoint(api, `cong-${unitCount}`, `Nhà máy may ${unitCount}`);
    context = await browser.newContext();
    page = await context.newPage();
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST') posts += 1;
    });
    await page.goto(`${stack.url}/g/${cp.code}`);
    await page.locator('#name', { hasText: cp.name }).waitFor();
    expect(await visibleText(page, '#locked')).toContain('Mở lại đường dẫn cổng do quản lý đơn vị cấp');
    for (const control of ['#entry', '#send', '#dir-in', '#dir-out', '#more'])
      expect(await page.locator(control).isDisabled()).toBe(true);
    expect(await page.locator('#staff').textContent()).toBe('');
    await page.keyboard.type('0912345678');
    await page.keyboard.press('Enter');
    expect(await page.locator('#log-box').isVisible()).toBe(false);
    expect(posts).toBe(0);
    expect(await storedCheckins(stack, cp.id)).toEqual([]);
  });

  it('locks the form when the token expires while the page is open', async () => {
    unitCount += 1;
    const cp = await seedCheckpoint(api, `cong-${unitCount}`, `Nhà máy may ${unitCount}`);
    const token = await api.as('unit-manager', cp.unitId);
    context = await browser.newContext();
    page = await context.newPage();
    await page.clock.install();
    await page.goto(`${stack.url}/g/${cp.code}#token=${token}`);
    await page.locator('#name', { hasText: cp.name }).waitFor();
    expect(await page.locator('#entry').isDisabled()).toBe(false);
    // Local tokens last 12 hours: a tablet left on overnight.
    await page.clock.fastForward('13:00:00');
    expect(await visibleText(page, '#locked')).toContain('Mã truy cập đã hết hạn');
    expect(await page.locator('#locked').textContent()).toContain(
      'Mở lại đường dẫn cổng do quản lý đơn vị cấp',
    );
    expect(await page.locator('#entry').isDisabled()).toBe(true);
    expect(await page.locator('#send').isDisabled()).toBe(true);

    // Opened again the next morning with the same token: still locked, at once.
    await page.reload();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    expect(await visibleText(page, '#locked')).toContain('Mã truy cập đã hết hạn');
    expect(await page.locator('#entry').isDisabled()).toBe(true);
    expect(await storedCheckins(stack, cp.id)).toEqual([]);
  });
});

describe('the gate page /g/<code> opened from a gate link (a shift-long token for one checkpoint)', () => {
  /** The link a manager makes in the console (POST /v1/checkpoints/{id}/gate-links), opened on a fresh tablet. */
  async function gateLinkOf(cp: Seeded): Promise<string> {
    const manager = await api.as('unit-manager', cp.unitId);
    const res = await api.call('POST', `/v1/checkpoints/${cp.id}/gate-links`, {
      token: manager,
      body: { hours: 8 },
    });
    expect(res.status).toBe(201);
    const link = new URL(res.json.url as string);
    expect(link.pathname).toBe(`/g/${cp.code}`);
    return `${stack.url}${link.pathname}${link.hash}`;
  }
  async function openTablet(url: string) {
    context = await browser.newContext({ timezoneId: 'America/New_York', locale: 'vi-VN' });
    page = await context.newPage();
    problems = [];
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(url);
  }

  it('records through the gate route and names the tablet as a gate machine', async () => {
    unitCount += 1;
    const cp = await seedCheckpoint(api, `cong-${unitCount}`, `Nhà máy may ${unitCount}`);
    await openTablet(await gateLinkOf(cp));
    await page.locator('#name', { hasText: cp.name }).waitFor();
    expect(page.url()).not.toContain('token');
    expect((await page.locator('#staff').textContent()) ?? '').toMatch(/^Máy cổng, giao bởi quản lý/);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/v1/gate/checkpoints/${cp.id}/checkins`)),
      scan('0987 654 321'),
    ]);
    expect(answer.status()).toBe(201);
    await visibleText(page, '#result.in');
    const [stored] = await storedCheckins(stack, cp.id);
    expect(stored).toMatchObject({ phone: '+84987654321', direction: 'in', method: 'assisted' });
    expect(problems).toEqual([]);
  });

  it("locks at another checkpoint's page, and records nothing there", async () => {
    unitCount += 1;
    const cp = await seedCheckpoint(api, `cong-${unitCount}`, `Nhà máy may ${unitCount}`);
    const other = await seedCheckpoint(api, `kho-${unitCount}`, `Kho hàng ${unitCount}`);
    const link = new URL(await gateLinkOf(cp));
    await openTablet(`${stack.url}/g/${other.code}${link.hash}`);
    await page.locator('#name', { hasText: other.name }).waitFor();
    expect(await visibleText(page, '#locked')).toContain('một điểm kiểm soát khác');
    expect(await page.locator('#entry').isDisabled()).toBe(true);
    expect(await page.locator('#send').isDisabled()).toBe(true);
    expect(await storedCheckins(stack, other.id)).toEqual([]);
  });
});

describe('the gate page /g/<code>, when the code changes while check-ins wait', () => {
  it('sends what it kept to the checkpoint it was taken at, even after the code was rotated', async () => {
    const cp = await openGate();
    await context.setOffline(true);
    await scan('0868 123 456');
    expect(await visibleText(page, '#result.in.queued')).toContain('Đã lưu trên máy');
    // The manager rotates the code (old posters stop working) while the tablet is offline.
    const admin = await api.as('admin', 'quang-ninh');
    expect((await api.call('POST', `/v1/checkpoints/${cp.id}/rotate-code`, { token: admin })).status).toBe(
      200,
    );
    // The tablet forgets the old code's checkpoint, as a reload does when the code now answers 404.
    await page.evaluate(`localStorage.removeItem('vaora.cp.${cp.code}')`);
    await context.setOffline(false);
    await page.locator('#waiting-count', { hasText: /^0$/ }).waitFor({ state: 'attached' });
    expect(await page.locator('#log li.ok').count()).toBe(1);
    const stored = await storedCheckins(stack, cp.id);
    expect(stored.map((c) => [c.phone, c.method])).toEqual([['+84868123456', 'assisted']]);
    expect(await countedCheckins(stack, cp.id)).toBe(1);
  });
});
