import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
 * The check-in page a QR opens (/c/<code>) in headless Chromium against a local stack: what a person at a gate
 * sees, and what the province stores (read from DynamoDB, not from the page).
 */
let stack: LocalStack;
let api: Client;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let unitCount = 0;

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

/**
 * A fresh checkpoint (its own counts) and a fresh phone (its own localStorage), in another time zone than Vietnam's.
 * `route: true` for a test that answers API requests itself: the page's service worker is blocked, as Playwright
 * advises with page.route (a request a service worker takes over passes page.route by).
 */
async function open(
  path: (cp: Seeded) => string = (cp) => `/c/${cp.code}`,
  options: { route?: boolean } = {},
) {
  unitCount += 1;
  const cp = await seedCheckpoint(api, `xa-${unitCount}`, `Nhà máy ${unitCount}`);
  context = await browser.newContext({
    timezoneId: 'Europe/London',
    locale: 'vi-VN',
    ...(options.route ? { serviceWorkers: 'block' as const } : {}),
  });
  page = await context.newPage();
  return { cp, go: () => page.goto(`${stack.url}${path(cp)}`) };
}

const waiting = () => page.locator('#waiting-count').textContent();
const waitForWaiting = (n: number) =>
  page.locator('#waiting-count', { hasText: new RegExp(`^${n}$`) }).waitFor({ state: 'attached' });

describe('the check-in page /c/<code>', () => {
  it('shows the checkpoint, records a check-in, confirms it for the guard and remembers the phone', async () => {
    const { cp, go } = await open();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await go();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    expect(await page.locator('#unit').textContent()).toBe(cp.unitName);
    expect(await page.locator('html').getAttribute('lang')).toBe('vi');
    // What the number is for and how long it is kept: the province's retention, from the stack's configuration.
    expect(await page.locator('#privacy').textContent()).toBe(
      `Số điện thoại chỉ dùng để truy vết dịch bệnh và được xóa sau ${stack.config.retentionDays} ngày.`,
    );

    await page.fill('#phone', '0912 345 678');
    await page.click('#more');
    await page.click('#more');
    const before = Date.now();
    await page.click('#in');
    const confirmation = await visibleText(page, '#result.in');
    const after = Date.now();

    const stored = await storedCheckins(stack, cp.id);
    expect(stored).toHaveLength(1);
    const [checkin] = stored;
    expect(checkin).toMatchObject({ phone: '+84912345678', direction: 'in', method: 'web', companions: 2 });
    expect(Date.parse(checkin!.at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(checkin!.at)).toBeLessThanOrEqual(after);
    expect(await countedCheckins(stack, cp.id)).toBe(1);

    // What a guard reads: direction, local time, the place, the phone masked but its last 3 digits, companions.
    expect(confirmation).toContain('VÀO');
    expect(confirmation).toContain(hanoiTime(checkin!.at));
    expect(confirmation).toContain(cp.name);
    expect(confirmation).toContain('•••••••678');
    expect(confirmation).not.toContain('0912');
    expect(confirmation).toContain('+ 2 người đi cùng');
    expect(confirmation).not.toContain('Đã lưu trên máy');
    // The group stays on the stepper for the way out.
    expect(await page.locator('#companions').textContent()).toBe('2');

    await page.reload();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    expect(await page.inputValue('#phone')).toBe('0912 345 678');
    // Nothing the page does is refused by its own Content-Security-Policy, and nothing throws.
    expect(problems).toEqual([]);
  });

  it('records "Ra" as out, in its own colour, with an id made without randomUUID (plain http)', async () => {
    const { cp, go } = await open();
    // crypto.randomUUID exists only in secure contexts: a page served over plain http falls back to getRandomValues.
    await context.addInitScript('delete Crypto.prototype.randomUUID');
    await go();
    await page.fill('#phone', '0987654321');
    await page.click('#out');
    const confirmation = await visibleText(page, '#result.out');
    expect(confirmation).toContain('RA');
    expect(confirmation).not.toContain('VÀO');
    const [inColour, outColour] = await Promise.all(
      ['in', 'out'].map((d) =>
        page.evaluate(`(() => {
          const el = document.createElement('div'); el.className = 'confirm ${d}'; document.body.appendChild(el);
          const c = getComputedStyle(el).backgroundColor; el.remove(); return c; })()`),
      ),
    );
    expect(inColour).not.toBe(outColour);
    const stored = await storedCheckins(stack, cp.id);
    expect(stored.map((c) => c.direction)).toEqual(['out']);
    expect(stored[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await page.evaluate('typeof crypto.randomUUID')).toBe('undefined');
  });

  it('keeps check-ins made offline on the phone, with their time, and sends each exactly once when online', async () => {
    const { cp, go } = await open();
    // The phone's clock, pinned 3 minutes back: the stored time must be the tap's, not the upload's.
    const tapIn = new Date(Date.now() - 3 * 60_000);
    const tapOut = new Date(tapIn.getTime() + 60_000);
    await page.clock.setFixedTime(tapIn);
    await go();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    await page.fill('#phone', '0903 123 456');

    await context.setOffline(true);
    await page.click('#in');
    const saved = await visibleText(page, '#result.in.queued');
    expect(saved).toContain('Đã lưu trên máy, sẽ gửi khi có mạng');
    expect(saved).toContain(hanoiTime(tapIn));
    expect(saved).toContain(cp.name);
    await page.clock.setFixedTime(tapOut);
    await page.click('#out');
    await page.locator('#result.out.queued').waitFor();
    expect(await waiting()).toBe('2');
    expect(await page.locator('#waiting').isVisible()).toBe(true);
    const queued = JSON.parse((await page.evaluate(`localStorage.getItem('vaora.queue')`)) as string);
    expect(queued.map((q: { at: string }) => q.at)).toEqual([tapIn.toISOString(), tapOut.toISOString()]);
    expect(await storedCheckins(stack, cp.id)).toEqual([]);

    const online = Date.now();
    await context.setOffline(false);
    await waitForWaiting(0);
    expect(await page.locator('#waiting').isVisible()).toBe(false);

    const stored = (await storedCheckins(stack, cp.id)).sort((a, b) => a.at.localeCompare(b.at));
    expect(stored.map((c) => [c.id, c.direction, c.at])).toEqual([
      [queued[0].id, 'in', tapIn.toISOString()],
      [queued[1].id, 'out', tapOut.toISOString()],
    ]);
    for (const c of stored) expect(Date.parse(c.receivedAt)).toBeGreaterThanOrEqual(online);
    expect(await countedCheckins(stack, cp.id)).toBe(2);

    // The same queue sent again (a lost answer, a second tab) stores nothing twice.
    const replay = await api.call('POST', '/v1/checkins/batch', { body: { checkins: queued } });
    expect(replay.json.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate']);
    expect(await storedCheckins(stack, cp.id)).toHaveLength(2);
    expect(await countedCheckins(stack, cp.id)).toBe(2);
  });

  it('turns "saved on the phone" into a plain confirmation once the queued check-in is stored', async () => {
    const { cp, go } = await open();
    await go();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    await page.fill('#phone', '0903 123 456');
    await context.setOffline(true);
    await page.click('#in');
    const saved = await visibleText(page, '#result.in.queued');
    expect(saved).toContain('Đã lưu trên máy, sẽ gửi khi có mạng');
    const frame = () => page.evaluate(`getComputedStyle(document.getElementById('result')).outlineStyle`);
    expect(await frame()).toBe('dashed');

    await context.setOffline(false);
    await waitForWaiting(0);
    await page.locator('#result.in:not(.queued)').waitFor();
    const sent = (await page.locator('#result').textContent()) ?? '';
    expect(sent).not.toContain('sẽ gửi');
    expect(sent).not.toContain('Đã lưu trên máy');
    expect(await frame()).toBe('none');
    // The same check-in, now stored: its time and place stay.
    const [stored] = await storedCheckins(stack, cp.id);
    expect(stored!.direction).toBe('in');
    expect(sent).toContain(hanoiTime(stored!.at));
    expect(sent).toContain(cp.name);
    expect(sent).toContain('•••••••456');
  });

  it('keeps the companions for the way out, until the person changes them', async () => {
    const { cp, go } = await open();
    await go();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    await page.fill('#phone', '0912 345 678');
    await page.click('#more');
    await page.click('#in');
    await page.locator('#result.in').waitFor();
    expect(await page.locator('#companions').textContent()).toBe('1');

    // Out after a while: the page opened again from the QR.
    await page.reload();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    expect(await page.locator('#companions').textContent()).toBe('1');
    await page.click('#out');
    expect(await visibleText(page, '#result.out')).toContain('+ 1 người đi cùng');

    // Next time alone: the person takes the companion off, and nothing is carried over.
    await page.click('#less');
    await page.click('#in');
    await page.locator('#result.in').waitFor();
    const stored = (await storedCheckins(stack, cp.id)).sort((a, b) => a.at.localeCompare(b.at));
    expect(stored.map((c) => [c.direction, c.companions ?? 0])).toEqual([
      ['in', 1],
      ['out', 1],
      ['in', 0],
    ]);
  });

  it('keeps a check-in the server could not take (503), still sends the next one directly, then flushes', async () => {
    const { cp, go } = await open(undefined, { route: true });
    await go();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    await page.route('**/v1/checkins/batch', (route) => route.abort('internetdisconnected'));
    await page.route(
      '**/v1/checkins',
      (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({ error: { code: 'internal_error', message: 'Something went wrong' } }),
        }),
      { times: 1 },
    );
    await page.fill('#phone', '0388 111 222');
    await page.click('#in');
    // The confirmation first, then whether it is the queued one: a failure says which confirmation it was.
    await page.locator('#result.in').waitFor();
    expect((await page.getAttribute('#result', 'class'))?.split(' ')).toContain('queued');
    expect(await visibleText(page, '#result.in.queued')).toContain('Đã lưu trên máy');
    expect(await waiting()).toBe('1');

    await page.click('#out');
    await page.locator('#result.out:not(.queued)').waitFor();
    expect(await waiting()).toBe('1');
    expect((await storedCheckins(stack, cp.id)).map((c) => c.direction)).toEqual(['out']);

    await page.unroute('**/v1/checkins/batch');
    await page.evaluate(`dispatchEvent(new Event('online'))`);
    await waitForWaiting(0);
    const stored = await storedCheckins(stack, cp.id);
    expect(stored.map((c) => c.direction).sort()).toEqual(['in', 'out']);
    // The queued "in" being sent leaves the "out" on screen as it was.
    expect(await page.locator('#result.out:not(.queued) .dir').textContent()).toContain('RA');
    expect(await page.getAttribute('#result', 'data-id')).toBe(stored.find((c) => c.direction === 'out')!.id);
    expect(await countedCheckins(stack, cp.id)).toBe(2);
  });

  it('drops a queued check-in the server refuses, with a notice, and keeps one it failed to store', async () => {
    const { cp, go } = await open(undefined, { route: true });
    const at = new Date().toISOString();
    const refused = {
      id: randomUUID(),
      code: 'BBBBBBBB',
      phone: '0912345678',
      direction: 'in',
      at,
      method: 'web',
    };
    const kept = { id: randomUUID(), code: cp.code, phone: '0912345678', direction: 'in', at, method: 'web' };
    await context.addInitScript(`if (!sessionStorage.getItem('seeded')) {
      sessionStorage.setItem('seeded', '1');
      localStorage.setItem('vaora.queue', ${JSON.stringify(JSON.stringify([refused, kept]))});
    }`);
    // The server stores the second item but its answer says internal_error: the page must send it again.
    let batches = 0;
    await page.route('**/v1/checkins/batch', async (route) => {
      batches += 1;
      const response = await route.fetch();
      const body = await response.json();
      if (batches === 1)
        body.results[1] = { index: 1, id: kept.id, status: 'rejected', error: { code: 'internal_error' } };
      await route.fulfill({ response, json: body });
    });
    await go();
    const notice = await visibleText(page, '#notices li');
    expect(notice).toContain('Lượt VÀO lúc');
    expect(notice).toContain('•••••••678');
    expect(notice).toContain('Không tìm thấy điểm kiểm soát');
    await waitForWaiting(1);
    const left = JSON.parse((await page.evaluate(`localStorage.getItem('vaora.queue')`)) as string);
    expect(left.map((q: { id: string }) => q.id)).toEqual([kept.id]);

    await page.evaluate(`dispatchEvent(new Event('online'))`);
    await waitForWaiting(0);
    expect(batches).toBe(2);
    expect((await storedCheckins(stack, cp.id)).map((c) => c.id)).toEqual([kept.id]);
    expect(await countedCheckins(stack, cp.id)).toBe(1);
    await page.click('#notices-ok');
    expect(await page.locator('#notices-box').isVisible()).toBe(false);
  });

  it('names the phone field when the number is wrong, and stores nothing', async () => {
    const { cp, go } = await open();
    await go();
    await page.locator('#name', { hasText: cp.name }).waitFor();

    // Not even the shape of a number: refused on the phone, no request sent.
    await page.fill('#phone', '12345');
    await page.click('#in');
    expect(await visibleText(page, '#phone-error')).toContain('Số điện thoại không đúng');
    expect(await page.getAttribute('#phone', 'aria-invalid')).toBe('true');

    // The shape of a number, but no Vietnamese mobile has it: the server says so and the page names the field.
    await page.fill('#phone', '0112 345 678');
    expect(await page.locator('#phone-error').isVisible()).toBe(false);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v1/checkins') && r.request().method() === 'POST'),
      page.click('#in'),
    ]);
    expect(answer.status()).toBe(400);
    expect((await answer.json()).error.code).toBe('invalid_phone');
    expect(await visibleText(page, '#phone-error')).toContain('Số điện thoại không đúng');
    expect(await visibleText(page, '#result.error')).toContain('Số điện thoại');
    expect(await waiting()).toBe('0');
    expect(await storedCheckins(stack, cp.id)).toEqual([]);
    expect(await countedCheckins(stack, cp.id)).toBe(0);
  });

  it("takes the last person's tick off the screen when the next number is refused", async () => {
    const { cp, go } = await open();
    await go();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    await page.fill('#phone', '0912 345 678');
    await page.click('#in');
    await visibleText(page, '#result.in');
    // A guard glancing at the screen must not see a green tick under someone whose number was refused.
    await page.fill('#phone', '12345');
    await page.click('#out');
    expect(await visibleText(page, '#phone-error')).toContain('Số điện thoại không đúng');
    expect(await page.locator('#result').isVisible()).toBe(false);
    expect(await countedCheckins(stack, cp.id)).toBe(1);
  });

  it('says an unknown code is unknown and offers the code field to type it again', async () => {
    const { cp, go } = await open(() => '/c/BBBB-BBBB');
    await go();
    expect(await visibleText(page, '#bad')).toContain('Không tìm thấy điểm kiểm soát có mã BBBBBBBB');
    expect(await page.locator('#checkin').isVisible()).toBe(false);
    await page.fill('#code', cp.code.toLowerCase());
    await page.click('#codeform button');
    await page.locator('#name', { hasText: cp.name }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/c/${cp.code}`);
  });

  it('says a closed checkpoint is closed, by its name, and takes no check-in there', async () => {
    const { cp, go } = await open();
    const manager = await api.as('unit-manager', cp.unitId);
    const off = await api.call('POST', `/v1/checkpoints/${cp.id}/deactivate`, { token: manager });
    expect([off.status, off.json.active]).toEqual([200, false]);
    await go();
    expect(await visibleText(page, '#bad')).toContain('Điểm kiểm soát này đã ngừng hoạt động');
    expect(await page.locator('#name').textContent()).toBe(cp.name);
    expect(await page.locator('#unit').textContent()).toBe(cp.unitName);
    expect(await page.locator('#in').isDisabled()).toBe(true);
    expect(await page.locator('#out').isDisabled()).toBe(true);
    expect(await page.locator('#codeform').isVisible()).toBe(false);
    expect(await storedCheckins(stack, cp.id)).toEqual([]);
  });

  it('says so when the checkpoint was closed after the page opened, and keeps nothing to resend', async () => {
    const { cp, go } = await open();
    await go();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    expect(await page.locator('#in').isDisabled()).toBe(false);
    const manager = await api.as('unit-manager', cp.unitId);
    expect((await api.call('POST', `/v1/checkpoints/${cp.id}/deactivate`, { token: manager })).status).toBe(
      200,
    );

    await page.fill('#phone', '0912 345 678');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/v1/checkins') && r.request().method() === 'POST'),
      page.click('#in'),
    ]);
    expect([answer.status(), (await answer.json()).error.code]).toEqual([404, 'unknown_checkpoint']);
    expect(await visibleText(page, '#bad')).toContain('Điểm kiểm soát này đã ngừng hoạt động');
    expect(await page.locator('#name').textContent()).toBe(cp.name);
    await expect.poll(() => page.locator('#in').isDisabled()).toBe(true);
    expect(await page.locator('#out').isDisabled()).toBe(true);
    expect(await page.locator('#result').isVisible()).toBe(false);
    expect(await waiting()).toBe('0');
    expect(await storedCheckins(stack, cp.id)).toEqual([]);
  });

  it('sends its policy as a header that forbids framing, on /c/<code>, /c and /g/<code>', async () => {
    const { cp } = await open();
    for (const path of [`/c/${cp.code}`, '/c', `/g/${cp.code}`]) {
      const res = await fetch(`${stack.url}${path}`);
      const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(
        await res.text(),
      )?.[1];
      expect(meta).toMatch(/^default-src 'none'; script-src 'sha256-/);
      expect(res.headers.get('content-security-policy')).toBe(`${meta}; frame-ancestors 'none'`);
    }
    // Another site cannot put the page in a frame: the browser refuses to render it there.
    const refused: string[] = [];
    page.on('console', (m) => m.text().includes('frame-ancestors') && refused.push(m.text()));
    await page.setContent(`<iframe src="${stack.url}/c/${cp.code}"></iframe>`);
    await expect.poll(() => refused.length).toBe(1);
    const frame = page.frames()[1]!;
    expect(await frame.locator('#phone').count()).toBe(0);
  });

  it('opens again without a connection once visited, and a code never visited opens from the same copy', async () => {
    const { cp, go } = await open();
    const other = await seedCheckpoint(api, 'xa-offline-other', 'Nhà máy khác');
    await go();
    await page.locator('#name', { hasText: cp.name }).waitFor();
    await page.locator('html[data-offline="ready"]').waitFor({ state: 'attached' });

    await context.setOffline(true);
    const again = await page.reload();
    expect(again?.fromServiceWorker()).toBe(true);
    await page.locator('#name', { hasText: cp.name }).waitFor();

    const fresh = await page.goto(`${stack.url}/c/${other.code}`);
    expect(fresh?.fromServiceWorker()).toBe(true);
    await page.locator('#name', { hasText: `Điểm kiểm soát ${other.code}` }).waitFor();
    await page.fill('#phone', '0868 123 456');
    await page.click('#in');
    await page.locator('#result.in.queued').waitFor();

    // A page opened while offline was never told it is offline (navigator.onLine stays true, as on a phone with
    // signal but no data): no 'online' event comes, and the retry timer sends what waits.
    await context.setOffline(false);
    await waitForWaiting(0);
    expect((await storedCheckins(stack, other.id)).map((c) => c.phone)).toEqual(['+84868123456']);
  });
});
