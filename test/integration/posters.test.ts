import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkinUrl } from '../../src/core/checkpoints.ts';
import { POSTER_PAGE_SIZE } from '../../src/core/posters.ts';
import { posterKeys } from '../../src/keys.ts';
import { downloadPosters } from '../../src/local/posters-cli.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/**
 * Posters through the HTTP API of the local stack: the PDF a staff member downloads for one checkpoint, and a
 * unit's posters streamed into the local S3 and fetched back through the signed link. Pages are counted and
 * QR codes decoded with the same real tools as the unit tests (poppler-utils, jsQR).
 */

let stack: LocalStack;
let api: Client;
let admin: string;
const dir = mkdtempSync(join(tmpdir(), 'vaora-posters-it-'));
const created: Record<string, { id: string; code: string; name: string }> = {};

async function download(path: string, token?: string) {
  const res = await fetch(`${stack.url}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, contentType: res.headers.get('content-type'), body };
}

let saved = 0;
function save(pdf: Buffer): string {
  const file = join(dir, `posters-${++saved}.pdf`);
  writeFileSync(file, pdf);
  return file;
}
const pages = (file: string) =>
  Number(/^Pages:\s+(\d+)$/m.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);
function qrOnPage(file: string, page: number): string | undefined {
  const prefix = join(dir, `qr-${saved}-${page}`);
  execFileSync('pdftoppm', [
    '-r',
    '100',
    '-png',
    '-f',
    `${page}`,
    '-l',
    `${page}`,
    '-singlefile',
    file,
    prefix,
  ]);
  const png = PNG.sync.read(readFileSync(`${prefix}.png`));
  return jsQR.default(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
}

async function checkpoint(unitId: string, placeName: string) {
  const res = await api.call('POST', `/v1/units/${unitId}/checkpoints`, {
    token: admin,
    body: { kind: 'shop', placeName, address: 'Khu 3' },
  });
  expect(res.status).toBe(201);
  return res.json as { id: string; code: string; name: string };
}

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
  for (const body of [
    { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: 'quang-ninh', kind: 'district' },
    { id: 'quang-ha', name: 'Thị trấn Quảng Hà', parentId: 'hai-ha', kind: 'commune' },
    { id: 'cai-chien', name: 'Xã Cái Chiên', parentId: 'hai-ha', kind: 'commune' },
    { id: 'quang-duc', name: 'Xã Quảng Đức', parentId: 'hai-ha', kind: 'commune' },
  ]) {
    expect((await api.call('POST', '/v1/units', { token: admin, body })).status).toBe(201);
  }
  created.market = await checkpoint('quang-ha', 'Chợ Quảng Hà');
  created.school = await checkpoint('quang-ha', 'Trường Tiểu học Quảng Hà');
  created.closed = await checkpoint('quang-ha', 'Cửa hàng đã đóng');
  created.island = await checkpoint('cai-chien', 'Bến tàu Cái Chiên');
  const off = await api.call('POST', `/v1/checkpoints/${created.closed.id}/deactivate`, { token: admin });
  expect(off.status).toBe(200);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /v1/checkpoints/{id}/poster.pdf', () => {
  it('answers a staff member with the PDF poster, whose QR opens the check-in page of the code', async () => {
    const res = await download(`/v1/checkpoints/${created.market!.id}/poster.pdf`, admin);
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/pdf');
    expect(res.body.subarray(0, 5).toString()).toBe('%PDF-');
    const file = save(res.body);
    expect(pages(file)).toBe(1);
    expect(qrOnPage(file, 1)).toBe(checkinUrl(stack.config.publicBaseUrl, created.market!.code));
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    expect(text).toContain(created.market!.name);
    expect(text).toContain('Thị trấn Quảng Hà');
  });

  it('prints ?copies=3 as three pages, for a unit manager of a unit above', async () => {
    const manager = await api.as('unit-manager', 'hai-ha');
    const res = await download(`/v1/checkpoints/${created.school!.id}/poster.pdf?copies=3`, manager);
    expect(res.status).toBe(200);
    expect(pages(save(res.body))).toBe(3);
  });

  it('answers 401 without a token, as API Gateway does', async () => {
    const res = await api.call('GET', `/v1/checkpoints/${created.market!.id}/poster.pdf`);
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ message: 'Unauthorized' });
  });

  it('answers 403 for a checkpoint outside the token’s unit', async () => {
    const elsewhere = await api.as('unit-manager', 'cai-chien');
    const res = await api.call('GET', `/v1/checkpoints/${created.market!.id}/poster.pdf`, {
      token: elsewhere,
    });
    expect([res.status, res.json.error.code]).toEqual([403, 'forbidden']);
  });

  it('answers 404 for an unknown checkpoint', async () => {
    const res = await api.call('GET', `/v1/checkpoints/${randomUUID()}/poster.pdf`, { token: admin });
    expect([res.status, res.json.error.code]).toEqual([404, 'unknown_checkpoint']);
  });

  it.each(['0', '21', 'two'])('answers 400 for copies=%s, naming the parameter', async (copies) => {
    const res = await api.call('GET', `/v1/checkpoints/${created.market!.id}/poster.pdf?copies=${copies}`, {
      token: admin,
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toEqual(['copies']);
  });

  it('answers 409 for a deactivated checkpoint: its code no longer works', async () => {
    const res = await api.call('GET', `/v1/checkpoints/${created.closed!.id}/poster.pdf`, { token: admin });
    expect([res.status, res.json.error.code]).toEqual([409, 'checkpoint_inactive']);
  });
});

describe('POST /v1/units/{unitId}/posters', () => {
  it('stores one PDF with a page per active checkpoint and copy, and answers a signed link to it', async () => {
    const before = Date.now();
    const res = await api.call('POST', '/v1/units/quang-ha/posters', { token: admin, body: { copies: 2 } });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      url: expect.any(String),
      expiresAt: expect.any(String),
      checkpoints: 2,
      pages: 4,
    });
    const ttl = Date.parse(res.json.expiresAt) - before;
    expect(ttl).toBeGreaterThan((stack.config.reportLinkTtlSeconds - 60) * 1000);
    expect(ttl).toBeLessThanOrEqual((stack.config.reportLinkTtlSeconds + 60) * 1000);
    const url = new URL(res.json.url);
    expect(decodeURIComponent(url.pathname)).toContain(
      `/${posterKeys.provincePrefix('quang-ninh')}quang-ha/`,
    );
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(stack.config.reportLinkTtlSeconds));

    const pdf = await fetch(res.json.url);
    expect(pdf.status).toBe(200);
    const file = save(Buffer.from(await pdf.arrayBuffer()));
    expect(pages(file)).toBe(4);
    // In listing order, two copies each; the deactivated checkpoint is not printed.
    const codes = [created.market!.code, created.market!.code, created.school!.code, created.school!.code];
    for (const [index, code] of codes.entries()) {
      expect(qrOnPage(file, index + 1)).toBe(checkinUrl(stack.config.publicBaseUrl, code));
    }
  });

  it('pages through a unit with more checkpoints than one listing page, one copy by default', async () => {
    const count = POSTER_PAGE_SIZE + 5;
    const imported = await api.call('POST', '/v1/units/quang-duc/checkpoints/import', {
      token: admin,
      body: {
        checkpoints: Array.from({ length: count }, (_, i) => ({
          kind: 'shop',
          placeName: `Cửa hàng số ${i + 1}`,
          address: `Thôn ${(i % 9) + 1}`,
          ref: `cua-hang-${i + 1}`,
        })),
      },
    });
    expect(imported.status).toBe(200);
    expect(imported.json.created).toHaveLength(count);

    const res = await api.call('POST', '/v1/units/quang-duc/posters', { token: admin });
    expect(res.status).toBe(201);
    expect([res.json.checkpoints, res.json.pages]).toEqual([count, count]);
    const pdf = await fetch(res.json.url);
    expect(pages(save(Buffer.from(await pdf.arrayBuffer())))).toBe(count);
  });

  it('answers 409 for a unit without an active checkpoint, and stores nothing', async () => {
    const res = await api.call('POST', '/v1/units/hai-ha/posters', { token: admin, body: {} });
    expect([res.status, res.json.error.code]).toEqual([409, 'no_active_checkpoints']);
  });

  it.each([0, 21, 1.5])('answers 400 for copies %s', async (copies) => {
    const res = await api.call('POST', '/v1/units/quang-ha/posters', { token: admin, body: { copies } });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path)).toEqual(['copies']);
  });

  it('needs the right to manage checkpoints of that unit: 403 for a tracer or another unit, 404 unknown', async () => {
    const tracer = await api.as('tracer', 'quang-ninh');
    expect((await api.call('POST', '/v1/units/quang-ha/posters', { token: tracer, body: {} })).status).toBe(
      403,
    );
    const elsewhere = await api.as('unit-manager', 'cai-chien');
    expect(
      (await api.call('POST', '/v1/units/quang-ha/posters', { token: elsewhere, body: {} })).status,
    ).toBe(403);
    const unknown = await api.call('POST', '/v1/units/no-such-unit/posters', { token: admin, body: {} });
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'unknown_unit']);
    expect((await api.call('POST', '/v1/units/quang-ha/posters', { body: {} })).status).toBe(401);
  });
});

describe('vaora posters (src/local/posters-cli.ts)', () => {
  it('pages through the unit’s active checkpoints over the API and writes every poster into one file', async () => {
    const out = join(dir, 'cli-quang-duc.pdf');
    const result = await downloadPosters({
      url: stack.url,
      token: admin,
      unitId: 'quang-duc',
      copies: 2,
      out,
      progress: false,
    });
    const count = POSTER_PAGE_SIZE + 5;
    expect(result).toEqual({ checkpoints: count, pages: 2 * count, file: out });
    expect(pages(out)).toBe(2 * count);
    const text = execFileSync('pdftotext', ['-f', '1', '-l', '1', '-enc', 'UTF-8', out, '-'], {
      encoding: 'utf8',
    });
    expect(text).toContain('Xã Quảng Đức');
    expect(existsSync(`${out}.part`)).toBe(false);
  });

  it('prints the same QR URLs as the API, and leaves out deactivated checkpoints', async () => {
    const out = join(dir, 'cli-quang-ha.pdf');
    const result = await downloadPosters({
      url: stack.url,
      token: admin,
      unitId: 'quang-ha',
      copies: 1,
      out,
    });
    expect([result.checkpoints, result.pages]).toEqual([2, 2]);
    expect(qrOnPage(out, 1)).toBe(checkinUrl(stack.config.publicBaseUrl, created.market!.code));
    expect(qrOnPage(out, 2)).toBe(checkinUrl(stack.config.publicBaseUrl, created.school!.code));
  });

  it('fails with the API’s answer and writes no file when the token does not reach the unit', async () => {
    const out = join(dir, 'cli-denied.pdf');
    const elsewhere = await api.as('unit-manager', 'cai-chien');
    await expect(
      downloadPosters({
        url: stack.url,
        token: elsewhere,
        unitId: 'quang-ha',
        copies: 1,
        out,
        progress: false,
      }),
    ).rejects.toThrow(/403/);
    await expect(
      downloadPosters({ url: stack.url, token: admin, unitId: 'hai-ha', copies: 1, out, progress: false }),
    ).rejects.toThrow(/no active checkpoint/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.part`)).toBe(false);
  });
});
