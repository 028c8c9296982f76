import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkinUrl } from '../../src/core/checkpoints.ts';
import type { Checkpoint, Page, Principal, Unit } from '../../src/core/model.ts';
import type { CheckpointStore, ReportStore, UnitStore } from '../../src/core/ports.ts';
import { activeCheckpoints, createUnitPosters, type RenderPosters } from '../../src/core/posters.ts';
import { fixedClock } from '../../src/core/time.ts';
import {
  groupCode,
  MAX_POSTER_COPIES,
  POSTER_LAYOUT,
  POSTER_TEXT,
  type PosterCheckpoint,
  posterStream,
  renderPosterPdf,
  writePosters,
} from '../../src/render/poster.ts';

/**
 * Posters checked with real tools (Debian poppler-utils): pdfinfo for pages and size, pdftoppm to rasterise a
 * page that jsQR then decodes, pdftotext for the words, pdffonts and pdfimages for what the file embeds.
 */

const BASE = 'https://vaora.quangninh.gov.vn';
/** Rendering, rasterising and decoding take seconds on a busy 2-core machine. */
const SLOW = 30_000;
const DPI = 100;
const CM_PER_INCH = 2.54;
const MARKET: PosterCheckpoint = {
  code: 'BCDF2345',
  name: 'Chợ - Chợ Quảng Hà - Khu 3',
  unitName: 'Thị trấn Quảng Hà',
};

const dir = mkdtempSync(join(tmpdir(), 'vaora-poster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function save(pdf: Buffer): string {
  const file = join(dir, `poster-${++files}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

const tool = (name: string, args: string[]) => execFileSync(name, args, { encoding: 'utf8' });
const pdfText = (file: string, page?: number) =>
  tool('pdftotext', [...(page ? ['-f', String(page), '-l', String(page)] : []), '-enc', 'UTF-8', file, '-'])
    .replace(/\s+/g, ' ')
    .trim();
const pageCount = (file: string) => Number(/^Pages:\s+(\d+)$/m.exec(tool('pdfinfo', [file]))?.[1]);

/** Page `page` as pixels at DPI, as pdftoppm renders it. */
function rasterise(file: string, page: number): PNG {
  const prefix = join(dir, `page-${files}-${page}`);
  execFileSync('pdftoppm', [
    '-r',
    String(DPI),
    '-png',
    '-f',
    String(page),
    '-l',
    String(page),
    '-singlefile',
    file,
    prefix,
  ]);
  return PNG.sync.read(readFileSync(`${prefix}.png`));
}

function decode(png: PNG) {
  // jsqr is CommonJS: its function is the module itself and its `default`; the types know only `default`.
  const found = jsQR.default(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!found) throw new Error('no QR code found on the page');
  return found;
}

const distance = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  Math.hypot(a.x - b.x, a.y - b.y);

describe('groupCode', () => {
  it('prints a code in groups of four for reading aloud', () => {
    expect(groupCode('BCDF2345')).toBe('BCDF 2345');
    expect(groupCode('BCDF23456')).toBe('BCDF 2345 6');
    expect(groupCode('BCD')).toBe('BCD');
  });
});

describe('a checkpoint poster', { timeout: SLOW }, () => {
  let file: string;
  const pdf = async () => {
    file ??= save(await renderPosterPdf([MARKET], { copies: 1, publicBaseUrl: BASE }));
    return file;
  };

  it('is one A4 page (595.28 × 841.89 pt)', async () => {
    const info = tool('pdfinfo', [await pdf()]);
    expect(pageCount(file)).toBe(1);
    expect(info).toMatch(/^Page size:\s+595\.28 x 841\.89 pts \(A4\)$/m);
  });

  it('carries a QR that decodes to the check-in URL, at least 15 × 15 cm on the page', async () => {
    const png = rasterise(await pdf(), 1);
    // A4 at 100 DPI: 826.8 × 1169.3 pixels, which pdftoppm rounds up.
    expect(png.width).toBe(827);
    expect(png.height).toBe(1170);
    const qr = decode(png);
    expect(qr.data).toBe(checkinUrl(BASE, MARKET.code));
    // Measured on the rendered page: the symbol's edges, from jsQR's corners, in centimetres.
    const { topLeftCorner, topRightCorner, bottomLeftCorner } = qr.location;
    const widthCm = (distance(topLeftCorner, topRightCorner) / DPI) * CM_PER_INCH;
    const heightCm = (distance(topLeftCorner, bottomLeftCorner) / DPI) * CM_PER_INCH;
    expect(widthCm).toBeGreaterThanOrEqual(15);
    expect(heightCm).toBeGreaterThanOrEqual(15);
    // …and as drawn: the symbol's side in points.
    expect((POSTER_LAYOUT.qrSide / 72) * CM_PER_INCH).toBeGreaterThanOrEqual(15);
    expect(Math.abs(widthCm - (POSTER_LAYOUT.qrSide / 72) * CM_PER_INCH)).toBeLessThan(0.2);
  });

  it('reads the Vietnamese instructions, the checkpoint, its unit and the grouped code', async () => {
    const text = pdfText(await pdf());
    expect(text).toContain(POSTER_TEXT.title);
    expect(text).toContain(MARKET.name);
    expect(text).toContain(MARKET.unitName);
    expect(text).toContain('BCDF 2345');
    expect(text).toContain('Mở camera điện thoại và quét mã QR ở trên để khai báo khi đi vào và khi đi ra.');
    expect(text).toContain(`Không quét được? Mở trình duyệt, vào ${BASE}/c và nhập mã BCDF 2345.`);
    expect(text).toContain('Nhập số điện thoại, rồi nhấn Vào khi đi vào hoặc Ra khi đi ra.');
    // The small footer: the URL in the QR, for anyone who wants to check where it leads.
    expect(text).toContain(`${BASE}/c/BCDF2345`);
  });

  it('embeds its Unicode font (a subset), no built-in font and no image: the QR is vector', async () => {
    const fonts = tool('pdffonts', [await pdf()]);
    const rows = fonts.split('\n').slice(2).filter(Boolean);
    expect(rows.length).toBe(2);
    for (const row of rows) {
      expect(row).toMatch(/^[A-Z]{6}\+BeVietnamPro-(Regular|Bold)\s/);
      // emb sub uni: embedded, subset, with a ToUnicode map (so the text can be searched and copied).
      expect(row).toMatch(/\syes\s+yes\s+yes\s/);
    }
    const images = tool('pdfimages', ['-list', file]).split('\n').slice(2).filter(Boolean);
    expect(images).toEqual([]);
  });

  it('keeps the content compressed and a single poster small', async () => {
    const raw = readFileSync(await pdf());
    expect(raw.includes('/Filter /FlateDecode')).toBe(true);
    expect(raw.length).toBeLessThan(60_000);
    // A Lambda answers at most 6 MB, base64 included: even the most copies stay far below.
    const most = await renderPosterPdf([MARKET], { copies: MAX_POSTER_COPIES, publicBaseUrl: BASE });
    expect(most.length * (4 / 3)).toBeLessThan(1_000_000);
  });

  it('shows a name typed in decomposed Unicode the same as a composed one', async () => {
    const decomposed = { ...MARKET, name: 'Trường Tiểu học Quảng Hà'.normalize('NFD') };
    const text = pdfText(save(await renderPosterPdf([decomposed], { copies: 1, publicBaseUrl: BASE })));
    expect(text).toContain('Trường Tiểu học Quảng Hà');
  });

  it('fits a long name on two lines, cut with an ellipsis, clear of the code above and the steps below', async () => {
    const long = { ...MARKET, name: `Nhà máy ${'May mặc xuất khẩu Quảng Ninh '.repeat(8)}- Khu công nghiệp` };
    // A long base URL too, so the second step takes two lines and the steps' panel is at its tallest.
    const base = 'https://abc123defg.execute-api.ap-southeast-1.amazonaws.com';
    const file = save(await renderPosterPdf([long], { copies: 1, publicBaseUrl: base }));
    const text = pdfText(file);
    expect(text).toContain('Nhà máy May mặc xuất khẩu Quảng Ninh');
    expect(text).toMatch(/Quảng…/);
    expect(text).toContain('Nhập số điện thoại, rồi nhấn Vào khi đi vào hoặc Ra khi đi ra.');
    expect(decode(rasterise(file, 1)).data).toBe(checkinUrl(base, MARKET.code));
    // Where the words are (pdftotext -bbox, y grows downwards): code, name lines, unit and steps never overlap.
    const words = [
      ...tool('pdftotext', ['-bbox', '-enc', 'UTF-8', file, '-']).matchAll(
        /<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<\/word>/g,
      ),
    ].map(([, yMin, yMax, word]) => ({ word, top: Number(yMin), bottom: Number(yMax) }));
    const first = (word: string) => words.find((w) => w.word === word)!;
    const nameLines = [
      ...new Set(words.filter((w) => w.word === 'Nhà' || w.word === 'Ninh').map((w) => w.top)),
    ];
    expect(nameLines).toHaveLength(2);
    expect(first('2345').bottom).toBeLessThan(first('Nhà').top);
    expect(words.filter((w) => w.word === 'Ninh').at(-1)!.bottom).toBeLessThanOrEqual(first('Đơn').top);
    expect(first('Đơn').bottom).toBeLessThan(first('Mở').top);
  });
});

describe('copies', { timeout: SLOW }, () => {
  it('gives 3 pages for copies: 3, each numbered and each with the same QR', async () => {
    const file = save(await renderPosterPdf([MARKET], { copies: 3, publicBaseUrl: BASE }));
    expect(pageCount(file)).toBe(3);
    for (const page of [1, 2, 3]) {
      expect(pdfText(file, page)).toContain(`Bản ${page}/3`);
      expect(decode(rasterise(file, page)).data).toBe(checkinUrl(BASE, MARKET.code));
    }
  });

  it('refuses 0 or more than 20 copies, and nothing to render', async () => {
    for (const copies of [0, 21, 1.5]) {
      await expect(renderPosterPdf([MARKET], { copies, publicBaseUrl: BASE })).rejects.toThrow(RangeError);
    }
    await expect(renderPosterPdf([], { copies: 1, publicBaseUrl: BASE })).rejects.toThrow(/no checkpoint/);
  });
});

describe('many checkpoints in one PDF', { timeout: SLOW }, () => {
  const CODES = '23456789BCDFGHJKMNPQRSTVWXZ';
  const checkpoint = (i: number): PosterCheckpoint => ({
    code: `BC${CODES[Math.floor(i / CODES.length) % CODES.length]}${CODES[i % CODES.length]}2345`,
    name: `Cửa hàng số ${i + 1} - Khu ${(i % 7) + 1}`,
    unitName: i < 20 ? 'Xã Cái Chiên' : 'Xã Quảng Đức',
  });

  it('writes one page per checkpoint and copy, in order, each with its own QR', async () => {
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    const result = await writePosters(
      (function* () {
        for (let i = 0; i < 30; i++) yield checkpoint(i);
      })(),
      out,
      { copies: 2, publicBaseUrl: BASE },
    );
    expect(result).toEqual({ pages: 60, checkpoints: 30 });
    const file = save(Buffer.concat(chunks));
    expect(pageCount(file)).toBe(60);
    for (const [page, index] of [
      [1, 0],
      [2, 0],
      [41, 20],
      [60, 29],
    ] as const) {
      expect(decode(rasterise(file, page)).data).toBe(checkinUrl(BASE, checkpoint(index).code));
      const text = pdfText(file, page);
      expect(text).toContain(checkpoint(index).name);
      expect(text).toContain(checkpoint(index).unitName);
      expect(text).toContain(`Bản ${page % 2 === 1 ? 1 : 2}/2`);
    }
  });

  it('streams: pages leave the writer while checkpoints are still being read, and only as fast as they are taken', async () => {
    let written = 0;
    const pulledAt: number[] = [];
    let release: (() => void) | undefined;
    // A slow reader: it takes each chunk only after the test lets it.
    const out = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, done) {
        written += chunk.length;
        release = done;
      },
    });
    async function* source() {
      for (let i = 0; i < 40; i++) {
        pulledAt.push(written);
        yield checkpoint(i);
      }
    }
    const finished = writePosters(source(), out, { copies: 1, publicBaseUrl: BASE });
    // Not taking anything: the writer stops after a page or two instead of rendering all 40 into memory.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pulledAt.length).toBeLessThanOrEqual(3);
    // Now take everything.
    const drain = setInterval(() => {
      const next = release;
      release = undefined;
      next?.();
    }, 1);
    const result = await finished;
    clearInterval(drain);
    expect(result.pages).toBe(40);
    // By the time the last checkpoint was read, most of the file had already gone out.
    expect(pulledAt[39]).toBeGreaterThan(0);
    expect(pulledAt[39]! / written).toBeGreaterThan(0.5);
  });

  it('fails the stream when the checkpoints fail mid-way, so an upload never stores half a file', async () => {
    async function* failing() {
      yield checkpoint(0);
      throw new Error('DynamoDB went away');
    }
    const out = new Writable({ write: (_c, _e, done) => done() });
    await expect(writePosters(failing(), out, { copies: 1, publicBaseUrl: BASE })).rejects.toThrow(
      'DynamoDB went away',
    );
    expect(out.destroyed).toBe(true);
  });
});

describe('a unit’s posters (core)', { timeout: SLOW }, () => {
  const UNIT: Unit = {
    id: 'quang-ha',
    name: 'Thị trấn Quảng Hà',
    kind: 'commune',
    path: ['quang-ninh', 'hai-ha', 'quang-ha'],
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  const admin: Principal = { subject: 't', role: 'admin', unitId: 'quang-ninh' };
  const stored = (i: number, active = true): Checkpoint => ({
    id: `cp-${i}`,
    code: `BCDF${2000 + i}`.replace(/[01]/g, '2'),
    name: `Cửa hàng ${i}`,
    kind: 'shop',
    placeName: `Cửa hàng ${i}`,
    address: 'Khu 3',
    unitId: UNIT.id,
    unitName: UNIT.name,
    unitPath: UNIT.path,
    active,
    createdAt: '2026-01-01T00:00:00.000Z',
    canonicalName: `Cửa hàng ${i}`,
    followsNamingRule: true,
  });

  function world(checkpoints: Checkpoint[], pageSize = 2) {
    const listed: { limit: number; nextToken?: string; filter?: unknown }[] = [];
    const units = {
      getUnit: async (id: string) => (id === UNIT.id ? UNIT : undefined),
    } as unknown as UnitStore;
    const store = {
      listCheckpoints: async (
        _unitId: string,
        page: { limit: number; nextToken?: string },
        filter?: unknown,
      ): Promise<Page<Checkpoint>> => {
        listed.push({ ...page, filter });
        // A store that pages before it filters: a page may hold inactive ones, or none at all.
        const start = Number(page.nextToken ?? 0);
        const end = start + Math.min(page.limit, pageSize);
        return {
          items: checkpoints.slice(start, end),
          ...(end < checkpoints.length ? { nextToken: String(end) } : {}),
        };
      },
    } as unknown as CheckpointStore;
    const files = new Map<string, { body: Buffer; contentType: string }>();
    const reports = {
      put: async (key: string, body: NodeJS.ReadableStream | string, contentType: string) => {
        const chunks: Buffer[] = [];
        for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
        files.set(key, { body: Buffer.concat(chunks), contentType });
      },
    } as unknown as ReportStore;
    const signed: { key: string; ttl: number; name: string }[] = [];
    const render: RenderPosters = (cps, options) => posterStream(cps, { ...options, publicBaseUrl: BASE });
    const deps = {
      units,
      checkpoints: store,
      files: reports,
      signer: {
        signGet: async (key: string, ttl: number, name: string) => {
          signed.push({ key, ttl, name });
          return `https://s3.example/${key}?signed`;
        },
      },
      clock: fixedClock('2026-11-20T08:00:00.000Z'),
      render,
      provinceId: 'quang-ninh',
      linkTtlSeconds: 900,
    };
    return { deps, listed, files, signed };
  }

  it('pages through the unit’s checkpoints asking for active ones, and yields only active ones', async () => {
    const { deps, listed } = world([stored(1), stored(2, false), stored(3), stored(4), stored(5, false)]);
    const ids: string[] = [];
    for await (const cp of activeCheckpoints(deps.checkpoints, UNIT.id, 2)) ids.push(cp.id);
    expect(ids).toEqual(['cp-1', 'cp-3', 'cp-4']);
    expect(listed).toEqual([
      { limit: 2, filter: { active: true } },
      { limit: 2, nextToken: '2', filter: { active: true } },
      { limit: 2, nextToken: '4', filter: { active: true } },
    ]);
  });

  it('stores one PDF under the province’s poster prefix and answers a link with its expiry', async () => {
    const { deps, files, signed } = world([stored(1), stored(2, false), stored(3)]);
    const result = await createUnitPosters(deps, admin, UNIT.id, 3);
    const key = 'posters/quang-ninh/quang-ha/poster-quang-ha-2026-11-20T08-00-00-000Z.pdf';
    expect(result).toEqual({
      url: `https://s3.example/${key}?signed`,
      expiresAt: '2026-11-20T08:15:00.000Z',
      checkpoints: 2,
      pages: 6,
    });
    expect([...files.keys()]).toEqual([key]);
    expect(files.get(key)?.contentType).toBe('application/pdf');
    expect(files.get(key)?.body.subarray(0, 5).toString()).toBe('%PDF-');
    expect(signed).toEqual([{ key, ttl: 900, name: 'poster-quang-ha-2026-11-20T08-00-00-000Z.pdf' }]);
    const file = save(files.get(key)!.body);
    expect(pageCount(file)).toBe(6);
    expect(pdfText(file, 4)).toContain('Cửa hàng 3');
  });

  it('refuses a unit with no active checkpoint (409) and stores nothing', async () => {
    const { deps, files } = world([stored(1, false)]);
    await expect(createUnitPosters(deps, admin, UNIT.id, 1)).rejects.toMatchObject({
      status: 409,
      code: 'no_active_checkpoints',
    });
    expect(files.size).toBe(0);
  });

  it('needs the right to manage checkpoints there: a tracer gets 403, an unknown unit 404', async () => {
    const { deps, files } = world([stored(1)]);
    const tracer: Principal = { subject: 't', role: 'tracer', unitId: 'quang-ninh' };
    await expect(createUnitPosters(deps, tracer, UNIT.id, 1)).rejects.toMatchObject({ status: 403 });
    await expect(createUnitPosters(deps, admin, 'no-such-unit', 1)).rejects.toMatchObject({ status: 404 });
    expect(files.size).toBe(0);
  });
});
