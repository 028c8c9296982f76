import { beforeEach, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_COLUMNS,
  importCheckpoints,
  importUnits,
  parseRegistrationDate,
} from '../../src/core/import.ts';
import { type ImportRow, readTable } from '../../src/core/import-file.ts';
import { fixedClock } from '../../src/core/time.ts';
import { rootUnit } from '../../src/core/units.ts';
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

beforeEach(async () => {
  registry = new MemoryRegistry();
  await registry.createUnit(rootUnit('qn', 'Tỉnh Quảng Ninh', '2021-01-01T00:00:00Z'));
});

describe('reading spreadsheets', () => {
  it('reads a CSV with a BOM and Vietnamese headers, keeping the file’s row numbers', async () => {
    const csv = Buffer.from(
      '\uFEFFLoại hình,Tên địa điểm,Địa chỉ\r\nchợ,"Chợ Hà, Đông",Khu 1\r\n\r\nshop,Tạp hóa,Khu 2\r\n',
    );
    expect(await readTable(csv, 'text/csv', CHECKPOINT_COLUMNS)).toEqual([
      { row: 2, values: { kind: 'chợ', placeName: 'Chợ Hà, Đông', address: 'Khu 1' } },
      { row: 4, values: { kind: 'shop', placeName: 'Tạp hóa', address: 'Khu 2' } },
    ]);
  });

  it('refuses a file whose header names no known column', async () => {
    await expect(
      readTable(Buffer.from('a,b\r\n1,2\r\n'), 'text/csv', CHECKPOINT_COLUMNS),
    ).rejects.toMatchObject({
      status: 400,
    });
  });

  it('reads registration dates as local days', () => {
    expect(parseRegistrationDate('06/01/2022')).toBe('2022-01-05T17:00:00.000Z');
    expect(parseRegistrationDate('2022-01-06')).toBe('2022-01-05T17:00:00.000Z');
    expect(parseRegistrationDate('2022-01-06T08:00:00+07:00')).toBe('2022-01-06T01:00:00.000Z');
    expect(parseRegistrationDate('31/02/2022')).toBeUndefined();
  });
});

describe('importing units', () => {
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

  it('rejects a cycle and a duplicate id by row', async () => {
    const rows = [
      { row: 2, values: { id: 'x', name: 'X', parentId: 'y' } },
      { row: 3, values: { id: 'y', name: 'Y', parentId: 'x' } },
      { row: 4, values: { id: 'x', name: 'X again', parentId: 'qn' } },
    ];
    const result = await importUnits(deps(), admin(), rows);
    expect(result.rejected.map((r) => [r.row, r.column])).toEqual([
      [2, 'parentId'],
      [3, 'parentId'],
      [4, 'id'],
    ]);
    expect(result.created).toEqual([]);
  });
});

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

  it('answers the rows it had no time for as pending, and a second call finishes them', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({
      row: i + 2,
      values: { kind: 'shop', placeName: `P${i}`, address: 'A', ref: `r${i}` },
    }));
    const cut = await importCheckpoints(deps(), admin(), 'qn', rows, -1);
    expect([cut.created.length, cut.pending.map((p) => p.row)]).toEqual([0, [2, 3, 4, 5, 6]]);
    const rest = await importCheckpoints(deps(), admin(), 'qn', rows);
    expect([rest.created.length, rest.pending.length]).toEqual([5, 0]);
  });

  it('rejects each bad cell by row and column and keeps the good rows', async () => {
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
