/**
 * Importing 7,000 checkpoints (one XLSX, a three-level tree) through the local HTTP API: the time of the first
 * import (all created) and of a re-import (all existing), and the memory the import route takes while it runs
 * (RSS sampled in this process, which hosts the handler, above the level before the request).
 */
import ExcelJS from 'exceljs';
import type { LocalStack } from '../src/local/stack.ts';

export interface ImportBenchResult {
  rows: number;
  fileBytes: number;
  /** Until every row was created: the file is sent again while rows come back pending (20 s budget a request). */
  firstMs: number;
  firstRequests: number;
  created: number;
  againMs: number;
  againRequests: number;
  existing: number;
  rowsPerSecond: number;
  peakRssAboveBaselineMb: number;
}

const KINDS = ['state-office', 'school', 'hospital', 'factory', 'shop', 'market', 'restaurant', 'hotel'];

export async function benchImport(
  stack: LocalStack,
  admin: string,
  rows = 7_000,
): Promise<ImportBenchResult> {
  const call = (path: string, body: unknown) =>
    fetch(`${stack.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const communes = Array.from({ length: 20 }, (_, i) => `imp-commune-${i}`);
  await call('/v1/units/import', {
    units: [
      { id: 'imp-district', name: 'Huyện Nhập', parentId: stack.config.provinceId, kind: 'district' },
      ...communes.map((id, i) => ({ id, name: `Xã ${i}`, parentId: 'imp-district', kind: 'commune' })),
    ],
  });
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Điểm kiểm soát');
  sheet.addRow(['Mã đơn vị', 'Loại hình', 'Tên địa điểm', 'Địa chỉ', 'Mã tham chiếu', 'Ngày tạo']);
  for (let i = 0; i < rows; i++) {
    sheet.addRow([
      communes[i % communes.length],
      KINDS[i % KINDS.length],
      `Địa điểm số ${i}`,
      `Thôn ${i % 9}`,
      `r-${i}`,
      '01/12/2021',
    ]);
  }
  const file = Buffer.from(await workbook.xlsx.writeBuffer());

  const upload = async () => {
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const started = performance.now();
    let created = 0;
    let existing = 0;
    let requests = 0;
    for (let pending = Number.POSITIVE_INFINITY; pending > 0 && requests < 20; requests++) {
      const res = await fetch(`${stack.url}/v1/units/imp-district/checkpoints/import`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${admin}`,
          'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        },
        body: file,
      });
      const json = (await res.json()) as {
        created: unknown[];
        existing: unknown[];
        rejected: unknown[];
        pending: unknown[];
      };
      if (res.status !== 200 || json.rejected.length > 0) throw new Error(`import answered ${res.status}`);
      created += json.created.length;
      if (requests === 0) existing = json.existing.length; // later requests re-find the rows created before
      pending = json.pending.length;
    }
    const ms = Math.round(performance.now() - started);
    clearInterval(sampler);
    return { ms, requests, created, existing, aboveMb: (peak - baseline) / 1024 / 1024 };
  };
  const first = await upload();
  const again = await upload();
  return {
    rows,
    fileBytes: file.length,
    firstMs: first.ms,
    firstRequests: first.requests,
    created: first.created,
    againMs: again.ms,
    againRequests: again.requests,
    existing: again.existing,
    rowsPerSecond: Math.round((rows / first.ms) * 1000),
    peakRssAboveBaselineMb: Math.round(Math.max(first.aboveMb, again.aboveMb) * 10) / 10,
  };
}
