import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, createDeflateRaw, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { Open } from 'unzipper';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ANSWER_MARGIN_MS,
  CHECKPOINT_COLUMNS,
  type Deadline,
  importCheckpoints,
  importDeadline,
  importUnits,
  noDeadline,
  parseRegistrationDate,
  WRITE_GRACE_MS,
} from '../../src/core/import.ts';
import {
  type ImportRow,
  MAX_IMPORT_ROWS,
  MAX_XLSX_PART_BYTES,
  readTable,
  XLSX_TYPE,
} from '../../src/core/import-file.ts';
import type { Checkpoint, Principal } from '../../src/core/model.ts';
import { fixedClock } from '../../src/core/time.ts';
import { rootUnit } from '../../src/core/units.ts';
import { apiErrorText, importFile } from '../../src/local/import-cli.ts';
import { admin, MemoryRegistry } from './fakes.ts';

const clock = fixedClock('2022-01-10T02:00:00Z');
let registry: MemoryRegistry;
const deps = () => ({
  units: registry,
  checkpoints: registry,
  clock,
  publicBaseUrl: 'https://x',
  namingRule: '{kind} - {placeName} - {address}',
  provinceId: 'qn',
});
const as = (role: Principal['role'], unitId: string): Principal => ({ subject: 't', role, unitId });

beforeEach(async () => {
  registry = new MemoryRegistry();
  await registry.createUnit(rootUnit('qn', 'Tỉnh Quảng Ninh', '2021-01-01T00:00:00Z'));
});

/** A deadline the test closes: `stop()` refuses new work, `close()` gives up what is still running. */
function manualDeadline() {
  let isOpen = true;
  let close!: () => void;
  const closed = new Promise<void>((resolve) => {
    close = resolve;
  });
  const deadline: Deadline = { open: () => isOpen, closed };
  return {
    deadline,
    stop: () => {
      isOpen = false;
    },
    close: () => {
      isOpen = false;
      close();
    },
  };
}

// ---- XLSX built in the test: a real exceljs workbook whose sheet part is swapped for generated XML -------------

interface ZipPart {
  path: string;
  /** Deflated bytes, with the size and CRC of what they inflate to. */
  deflated: Buffer;
  size: number;
  crc: number;
  /** What the zip's headers say the part unpacks to, when it lies. */
  declaredSize?: number;
}

const part = (path: string, data: Buffer): ZipPart => ({
  path,
  deflated: deflateRawSync(data),
  size: data.length,
  crc: crc32(data),
});

/** A zip of deflated parts (local headers with sizes, the central directory, its end record). */
function zip(parts: ZipPart[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const name = Buffer.from(p.path, 'utf8');
    const size = p.declaredSize ?? p.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(p.crc >>> 0, 14);
    local.writeUInt32LE(p.deflated.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(p.crc >>> 0, 16);
    central.writeUInt32LE(p.deflated.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, p.deflated);
    centrals.push(central, name);
    offset += local.length + name.length + p.deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Every part of a one-sheet exceljs workbook but its sheet. */
async function workbookParts(): Promise<ZipPart[]> {
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet('Điểm kiểm soát').addRow(['kind']);
  const directory = await Open.buffer(Buffer.from(await workbook.xlsx.writeBuffer()));
  const parts: ZipPart[] = [];
  for (const file of directory.files) {
    if (file.type === 'File' && file.path !== 'xl/worksheets/sheet1.xml') {
      parts.push(part(file.path, await file.buffer()));
    }
  }
  return parts;
}

const SHEET_HEAD =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
  '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">';
const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${text}</t></is></c>`;

/** A sheet of `count` checkpoint rows under a header, as inline strings; with its dimension or without. */
function sheetXml(count: number, { dimension = true } = {}): Buffer {
  const rows = [`<row r="1">${cell('A1', 'kind')}${cell('B1', 'placeName')}${cell('C1', 'address')}</row>`];
  for (let r = 2; r <= count + 1; r++) {
    rows.push(`<row r="${r}">${cell(`A${r}`, 'shop')}${cell(`B${r}`, `P${r}`)}${cell(`C${r}`, 'A')}</row>`);
  }
  const dim = dimension ? `<dimension ref="A1:C${count + 1}"/>` : '';
  return Buffer.from(`${SHEET_HEAD}${dim}<sheetData>${rows.join('')}</sheetData></worksheet>`);
}

/** A sheet that unpacks to `mb` MB (one cell of repeated text), deflated as it is made: a zip bomb. */
async function bombSheet(mb: number): Promise<ZipPart> {
  const head = Buffer.from(`${SHEET_HEAD}<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>`);
  const chunk = Buffer.alloc(1024 * 1024, 'A');
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((resolve) => deflate.on('end', resolve));
  let crc = crc32(head);
  deflate.write(head);
  for (let i = 0; i < mb; i++) {
    crc = crc32(chunk, crc);
    deflate.write(chunk);
  }
  deflate.end();
  await ended;
  return {
    path: 'xl/worksheets/sheet1.xml',
    deflated: Buffer.concat(out),
    size: head.length + mb * chunk.length,
    crc,
  };
}

/** Runs `fn` and samples RSS meanwhile: how far it rose above where it started. */
async function rssGrowthMb(fn: () => Promise<unknown>): Promise<number> {
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 2);
  try {
    await fn().catch(() => {});
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  return (peak - baseline) / 1024 / 1024;
}

describe('reading spreadsheets', () => {
  it('reads a CSV with a BOM and Vietnamese headers, keeping the file’s row numbers', async () => {
    const csv = Buffer.from(
      '\uFEFFLoại hình,Tên địa điểm,Địa chỉ\r\nchợ,"Chợ Hà, Đông",Khu 1\r\n\r\nshop,Tạp hóa,Khu 2\r\n',
    );
    expect(await readTable(csv, 'text/csv', CHECKPOINT_COLUMNS)).toEqual({
      rows: [
        { row: 2, values: { kind: 'chợ', placeName: 'Chợ Hà, Đông', address: 'Khu 1' } },
        { row: 4, values: { kind: 'shop', placeName: 'Tạp hóa', address: 'Khu 2' } },
      ],
    });
  });

  it('refuses a file whose header names no known column, naming the columns it looks for', async () => {
    const read = readTable(Buffer.from('a,b\r\n1,2\r\n'), 'text/csv', CHECKPOINT_COLUMNS);
    await expect(read).rejects.toMatchObject({
      status: 400,
      details: [
        { path: 'body', message: expect.stringContaining('No header row naming the columns (unitId, kind') },
      ],
    });
  });

  it('streams the first sheet of an XLSX: dates, numbers, text after a title row', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Điểm kiểm soát');
    sheet.addRow(['Danh sách điểm kiểm soát']);
    sheet.addRow(['Loại hình', 'Tên địa điểm', 'Địa chỉ', 'Ngày tạo', 'Mã tham chiếu']);
    sheet.addRow([
      'Nhà máy',
      { richText: [{ text: 'Xưởng ' }, { text: 'May' }] },
      'KCN 1',
      new Date(Date.UTC(2021, 11, 15)),
      42,
    ]);
    workbook.addWorksheet('Ghi chú').addRow(['kind', 'placeName']);
    const file = Buffer.from(await workbook.xlsx.writeBuffer());
    expect(await readTable(file, XLSX_TYPE, CHECKPOINT_COLUMNS)).toEqual({
      rows: [
        {
          row: 3,
          values: {
            kind: 'Nhà máy',
            placeName: 'Xưởng May',
            address: 'KCN 1',
            createdAt: '2021-12-15',
            ref: '42',
          },
        },
      ],
    });
  });

  it('refuses a zip bomb whose directory declares a 100 MB sheet, without inflating it', async () => {
    const file = zip([...(await workbookParts()), await bombSheet(100)]);
    expect(file.length).toBeLessThan(300 * 1024);
    let refusal: unknown;
    const growth = await rssGrowthMb(async () => {
      refusal = await readTable(file, XLSX_TYPE, CHECKPOINT_COLUMNS).catch((err) => err);
    });
    expect(refusal).toMatchObject({ status: 413, code: 'sheet_too_large' });
    expect((refusal as Error).message).toContain(`${MAX_XLSX_PART_BYTES / 1024 / 1024} MB`);
    expect(growth).toBeLessThan(100);
  });

  it('refuses a zip bomb that lies about its size once it has unpacked the limit', async () => {
    const bomb = { ...(await bombSheet(100)), declaredSize: 4096 };
    const file = zip([...(await workbookParts()), bomb]);
    let refusal: unknown;
    const growth = await rssGrowthMb(async () => {
      refusal = await readTable(file, XLSX_TYPE, CHECKPOINT_COLUMNS).catch((err) => err);
    });
    expect(refusal).toMatchObject({ status: 413, code: 'sheet_too_large' });
    expect(growth).toBeLessThan(100);
  });

  it('refuses a 100,000-row XLSX by the rows its sheet declares, before reading a row', async () => {
    const file = zip([...(await workbookParts()), part('xl/worksheets/sheet1.xml', sheetXml(100_000))]);
    let linesRead = 0;
    const read = readTable(file, XLSX_TYPE, CHECKPOINT_COLUMNS, { keepReading: () => ++linesRead > 0 });
    await expect(read).rejects.toMatchObject({ status: 413, code: 'too_many_rows' });
    expect(linesRead).toBe(0);
  });

  it('stops reading a 100,000-row XLSX that declares no dimension at the first row past the limit', async () => {
    const sheet = part('xl/worksheets/sheet1.xml', sheetXml(100_000, { dimension: false }));
    const file = zip([...(await workbookParts()), sheet]);
    let linesRead = 0;
    const read = readTable(file, XLSX_TYPE, CHECKPOINT_COLUMNS, { keepReading: () => ++linesRead > 0 });
    await expect(read).rejects.toMatchObject({
      status: 413,
      code: 'too_many_rows',
      message: expect.stringContaining(String(MAX_IMPORT_ROWS)),
    });
    expect(linesRead).toBe(1 + MAX_IMPORT_ROWS + 1); // the header, the rows taken, the one too many
  });

  it('stops reading a 100,000-row CSV at the first row past the limit', async () => {
    const lines = ['kind,placeName,address', ...Array.from({ length: 100_000 }, (_, i) => `shop,P${i},A`)];
    let linesRead = 0;
    const read = readTable(Buffer.from(lines.join('\n')), 'text/csv', CHECKPOINT_COLUMNS, {
      keepReading: () => ++linesRead > 0,
    });
    await expect(read).rejects.toMatchObject({ status: 413, code: 'too_many_rows' });
    expect(linesRead).toBe(1 + MAX_IMPORT_ROWS + 1);
  });

  it('stops reading when told to, and says from which line the file was not read', async () => {
    const csv = Buffer.from('kind,placeName,address\nshop,A,B\nshop,C,D\nshop,E,F\n');
    let lines = 0;
    const table = await readTable(csv, 'text/csv', CHECKPOINT_COLUMNS, { keepReading: () => ++lines <= 2 });
    expect(table).toEqual({
      rows: [{ row: 2, values: { kind: 'shop', placeName: 'A', address: 'B' } }],
      unreadFrom: 3,
    });
  });

  it('reads registration dates as local days', () => {
    expect(parseRegistrationDate('06/01/2022')).toBe('2022-01-05T17:00:00.000Z');
    expect(parseRegistrationDate('2022-01-06')).toBe('2022-01-05T17:00:00.000Z');
    expect(parseRegistrationDate('2022-01-06T08:00:00+07:00')).toBe('2022-01-06T01:00:00.000Z');
    expect(parseRegistrationDate('31/02/2022')).toBeUndefined();
  });
});

describe('an import’s deadline', () => {
  it('counts from the request’s start: Lambda’s remaining time less the margins, within API Gateway’s 30 s', () => {
    let now = 1_000_000;
    const lambda = importDeadline(29_000, { now: () => now });
    now += 29_000 - ANSWER_MARGIN_MS - WRITE_GRACE_MS - 1;
    expect(lambda.open()).toBe(true);
    now += 1;
    expect(lambda.open()).toBe(false);

    now = 1_000_000;
    const long = importDeadline(15 * 60_000, { now: () => now });
    now += 30_000 - ANSWER_MARGIN_MS - WRITE_GRACE_MS;
    expect(long.open()).toBe(false);

    now = 1_000_000;
    const short = importDeadline(29_000, { now: () => now, budgetMs: 500 });
    now += 499;
    expect(short.open()).toBe(true);
    now += 1;
    expect(short.open()).toBe(false);
  });
});

/** A registry whose writes hang when the test says so, and that counts them. */
class SlowRegistry extends MemoryRegistry {
  started = 0;
  inFlight = 0;
  hang = new Set<number>();
  private release!: () => void;
  private released = new Promise<void>((resolve) => {
    this.release = resolve;
  });
  onWrite: () => void = () => {};

  override async createCheckpoint(cp: Checkpoint) {
    const n = ++this.started;
    this.inFlight++;
    this.onWrite();
    await (this.hang.has(n) ? this.released : Promise.resolve());
    const result = await super.createCheckpoint(cp);
    this.inFlight--;
    this.onWrite();
    return result;
  }

  releaseHung() {
    this.release();
  }
}

const shops = (count: number, ref = true): ImportRow[] =>
  Array.from({ length: count }, (_, i) => ({
    row: i + 2,
    values: { kind: 'shop', placeName: `P${i}`, address: 'A', ...(ref ? { ref: `r${i}` } : {}) },
  }));

describe('importing checkpoints', () => {
  it('names rows by the rule, flags a name that breaks it, and creates nothing twice', async () => {
    const rows: ImportRow[] = [
      { row: 2, values: { kind: 'market', placeName: 'Chợ Hà', address: 'Khu 1', ref: 'a' } },
      {
        row: 3,
        values: { kind: 'shop', placeName: 'Tạp hóa', address: 'Khu 2', ref: 'b', name: 'Tiệm Bà Tư' },
      },
    ];
    const first = await importCheckpoints(deps(), admin(), 'qn', rows);
    expect(first.created.map((c) => c.row)).toEqual([2, 3]);
    const stored = [...registry.checkpoints.values()];
    expect(stored.map((c) => [c.name, c.followsNamingRule])).toEqual([
      ['Chợ - Chợ Hà - Khu 1', true],
      ['Tiệm Bà Tư', false],
    ]);
    expect(stored[1]!.canonicalName).toBe('Cửa hàng - Tạp hóa - Khu 2');
    const again = await importCheckpoints(deps(), admin(), 'qn', rows);
    expect([again.created.length, again.existing.map((e) => e.row)]).toEqual([0, [2, 3]]);
  });

  it('on a slow store, answers what it had no time for as pending, and a resend stores each row once', async () => {
    const slow = new SlowRegistry();
    await slow.createUnit(rootUnit('qn', 'Tỉnh Quảng Ninh', '2021-01-01T00:00:00Z'));
    registry = slow;
    const { deadline, stop, close } = manualDeadline();
    // Writes 18–20 hang; no write starts after the 20th; the deadline closes once only hung writes are left (after
    // the finished ones have reached the import: a macrotask later).
    slow.hang = new Set([18, 19, 20]);
    slow.onWrite = () => {
      if (slow.started >= 20) stop();
      if (slow.started >= 20 && slow.inFlight === 3) setImmediate(close);
    };
    const rows = shops(40);

    const cut = await importCheckpoints(deps(), admin(), 'qn', rows, deadline);

    expect(cut.created).toHaveLength(17);
    expect(cut.pending).toHaveLength(23);
    expect(cut.pending.filter((p) => p.message).map((p) => p.message)).toEqual([
      expect.stringContaining('its ref keeps it from being stored twice'),
      expect.stringContaining('its ref keeps it from being stored twice'),
      expect.stringContaining('its ref keeps it from being stored twice'),
    ]);
    const answered = [...cut.created, ...cut.pending].map((r) => r.row).sort((a, b) => a - b);
    expect(answered).toEqual(rows.map((r) => r.row));

    // The hung writes land after the answer; the resend finds them and creates only what was never written.
    slow.releaseHung();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(slow.checkpoints.size).toBe(20);
    const rest = await importCheckpoints(deps(), admin(), 'qn', rows, noDeadline());
    expect([rest.created.length, rest.existing.length, rest.pending.length]).toEqual([20, 20, 0]);
    const refs = [...slow.checkpoints.values()].map((c) => c.ref);
    expect([refs.length, new Set(refs).size]).toEqual([40, 40]);
  });

  it('bounds the ref look-ups by the deadline: rows whose look-up is late are pending, nothing is written', async () => {
    const { deadline, close } = manualDeadline();
    registry.checkpointIdsByRef = () => {
      close();
      return new Promise(() => {});
    };
    const result = await importCheckpoints(deps(), admin(), 'qn', shops(5), deadline);
    expect(result.pending.map((p) => p.row)).toEqual([2, 3, 4, 5, 6]);
    expect(registry.checkpoints.size).toBe(0);
  });

  it('answers everything pending when reading the file took the whole time', async () => {
    const { deadline, stop } = manualDeadline();
    const csv = Buffer.from('kind,placeName,address\nshop,A,B\nshop,C,D\nshop,E,F\n');
    let lines = 0;
    const source = (d: Deadline) =>
      readTable(csv, 'text/csv', CHECKPOINT_COLUMNS, {
        keepReading: () => {
          if (++lines === 3) stop();
          return d.open();
        },
      });
    const result = await importCheckpoints(deps(), admin(), 'qn', source, deadline);
    expect(result.pending).toEqual([
      { row: 2 },
      { row: 3, message: expect.stringContaining('send the file again') },
    ]);
    expect(registry.checkpoints.size).toBe(0);
  });

  it('refuses an import outside the token’s unit before reading the file', async () => {
    let read = false;
    const source = async () => {
      read = true;
      return { rows: shops(1) };
    };
    await registry.createUnit({
      id: 'hh',
      name: 'Hải Hà',
      parentId: 'qn',
      kind: 'district',
      path: ['qn', 'hh'],
      createdAt: '2021-01-01T00:00:00Z',
    });
    const refused = importCheckpoints(deps(), as('unit-manager', 'hh'), 'qn', source);
    await expect(refused).rejects.toMatchObject({ status: 403 });
    expect(read).toBe(false);
  });

  it('rejects each bad cell by row and column and keeps the good rows; a Vietnamese kind is a kind', async () => {
    const rows: ImportRow[] = [
      { row: 2, values: { kind: 'spaceport', placeName: 'X', address: 'Y' } },
      { row: 3, values: { kind: 'shop', address: 'Y', createdAt: 'yesterday' } },
      { row: 4, values: { kind: 'shop', placeName: 'X', address: 'Y', unitId: 'nowhere' } },
      { row: 5, values: { kind: 'Chợ', placeName: 'Chợ Hà', address: 'Khu 1' } },
      { row: 6, values: { kind: 'NHÀ MÁY', placeName: 'Xưởng', address: 'KCN' } },
    ];
    const result = await importCheckpoints(deps(), admin(), 'qn', rows);
    expect(result.rejected.map((r) => [r.row, r.column])).toEqual([
      [2, 'kind'],
      [3, 'placeName'],
      [3, 'createdAt'],
      [4, 'unitId'],
    ]);
    expect(result.rejected[0]!.message).toContain('factory (Nhà máy)');
    expect(result.created.map((c) => c.row)).toEqual([5, 6]);
    expect([...registry.checkpoints.values()].map((c) => c.kind)).toEqual(['market', 'factory']);
  });
});

describe('importing units', () => {
  const unit = (id: string, parentId: string, path: string[]) => ({
    id,
    name: id,
    parentId,
    kind: 'district' as const,
    path,
    createdAt: '2021-01-01T00:00:00Z',
  });

  it('creates parents before children whatever the row order, any depth, with Vietnamese kinds', async () => {
    const rows = [
      { row: 2, values: { id: 'c', name: 'C', parentId: 'b', kind: 'thị trấn' } },
      { row: 3, values: { id: 'b', name: 'B', parentId: 'a', kind: 'Huyện' } },
      { row: 4, values: { id: 'a', name: 'A', parentId: 'qn', kind: 'sở' } },
    ];
    const result = await importUnits(deps(), admin(), rows);
    expect(result.created.map((c) => c.row)).toEqual([2, 3, 4]);
    expect((await registry.getUnit('c'))!.path).toEqual(['qn', 'a', 'b', 'c']);
    expect(['a', 'b', 'c'].map((id) => registry.units.get(id)!.kind)).toEqual([
      'sector',
      'district',
      'commune',
    ]);
  });

  it('rejects a cycle, a duplicate id and an unknown kind by row, listing the kinds', async () => {
    const rows: ImportRow[] = [
      { row: 2, values: { id: 'x', name: 'X', parentId: 'y' } },
      { row: 3, values: { id: 'y', name: 'Y', parentId: 'x' } },
      { row: 4, values: { id: 'x', name: 'X again', parentId: 'qn' } },
      { row: 5, values: { id: 'v', name: 'V', parentId: 'qn', kind: 'village' } },
    ];
    const result = await importUnits(deps(), admin(), rows);
    expect(result.rejected.map((r) => [r.row, r.column])).toEqual([
      [2, 'parentId'],
      [3, 'parentId'],
      [4, 'id'],
      [5, 'kind'],
    ]);
    expect(result.rejected[3]!.message).toContain('commune (xã, phường, thị trấn)');
    expect(result.created).toEqual([]);
  });

  it('refuses a role that creates no units (403) before reading the file', async () => {
    let read = false;
    const source = async () => {
      read = true;
      return { rows: [{ row: 2, values: { id: 'a', name: 'A', parentId: 'qn' } }] };
    };
    for (const role of ['unit-manager', 'tracer'] as const) {
      await expect(importUnits(deps(), as(role, 'qn'), source)).rejects.toMatchObject({
        status: 403,
        code: 'forbidden',
      });
    }
    expect(read).toBe(false);
    expect(registry.units.size).toBe(1);
  });

  it('refuses a file whose parents are all outside the token’s scope (403), storing nothing', async () => {
    await registry.createUnit(unit('hh', 'qn', ['qn', 'hh']));
    await registry.createUnit(unit('qh', 'hh', ['qn', 'hh', 'qh']));
    const rows = [
      { row: 2, values: { id: 'n1', name: 'N1', parentId: 'hh' } },
      { row: 3, values: { id: 'n2', name: 'N2', parentId: 'n1' } },
    ];
    await expect(importUnits(deps(), admin('qh'), rows)).rejects.toMatchObject({
      status: 403,
      code: 'forbidden',
    });
    expect(registry.units.size).toBe(3);
  });

  it('rejects by row the units under a parent out of scope when the file is otherwise in scope', async () => {
    await registry.createUnit(unit('hh', 'qn', ['qn', 'hh']));
    await registry.createUnit(unit('mc', 'qn', ['qn', 'mc']));
    const rows = [
      { row: 2, values: { id: 'n1', name: 'N1', parentId: 'hh' } },
      { row: 3, values: { id: 'n2', name: 'N2', parentId: 'mc' } },
    ];
    const result = await importUnits(deps(), admin('hh'), rows);
    expect(result.created.map((c) => c.id)).toEqual(['n1']);
    expect(result.rejected).toEqual([
      { row: 3, column: 'parentId', message: expect.stringContaining('scope') },
    ]);
  });

  it('answers units it had no time for as pending, their children with them, and a resend finishes', async () => {
    const { deadline, close } = manualDeadline();
    const create = registry.createUnit.bind(registry);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // B's write hangs past the deadline; C, below B, must not be tried.
    registry.createUnit = async (u) => {
      if (u.id === 'b') {
        setImmediate(close);
        await released;
      }
      return create(u);
    };
    const rows = [
      { row: 2, values: { id: 'a', name: 'A', parentId: 'qn' } },
      { row: 3, values: { id: 'b', name: 'B', parentId: 'qn' } },
      { row: 4, values: { id: 'c', name: 'C', parentId: 'b' } },
    ];
    const cut = await importUnits(deps(), admin(), rows, deadline);
    expect(cut.created.map((c) => c.id)).toEqual(['a']);
    expect(cut.pending).toEqual([
      { row: 3, message: expect.stringContaining('a unit id is never stored twice') },
      { row: 4 },
    ]);
    expect(registry.units.has('c')).toBe(false);

    release();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const rest = await importUnits(deps(), admin(), rows);
    expect([rest.existing.map((e) => e.id), rest.created.map((c) => c.id)]).toEqual([['a', 'b'], ['c']]);
  });
});

describe('vaora import (the CLI)', () => {
  it('shows the API’s message and each of its details', () => {
    const body = {
      error: {
        code: 'invalid_request',
        message: 'Invalid body',
        details: [{ path: 'body', message: 'No header row naming the columns (unitId, kind)' }],
      },
    };
    expect(apiErrorText('/v1/units/import answered 400', body)).toBe(
      '/v1/units/import answered 400: Invalid body (invalid_request)\n  body: No header row naming the columns (unitId, kind)',
    );
    expect(apiErrorText('/v1/units/import answered 401', { message: 'Unauthorized' })).toBe(
      '/v1/units/import answered 401: Unauthorized',
    );
  });

  it('says which columns a file lacks before sending anything', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vaora-import-')), 'units.csv');
    writeFileSync(file, 'a,b\r\n1,2\r\n');
    const run = importFile({ url: 'http://127.0.0.1:9', token: 't', file, what: 'units' });
    await expect(run).rejects.toThrow(
      /units\.csv: Invalid body\n {2}body: No header row naming the columns \(id, name, parentId/,
    );
  });
});
