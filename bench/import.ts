/**
 * Importing 7,000 checkpoints (one XLSX, a three-level tree) through the local HTTP API, as a registrar would: the
 * file is sent whole, and sent again while rows come back `pending` (a request works within the Lambda's remaining
 * time and API Gateway's 30 s, then answers the rest pending). Counts every answer's status (a 5xx is a failure:
 * slowness must come back as pending), the time until nothing was pending, and what a second upload of the same
 * file creates (nothing: every row comes back existing). Memory: RSS sampled in this process, which hosts the
 * handler, above the level before the request.
 *
 *   npx tsx bench/import.ts [rows]   → one JSON line (its own throw-away local stack)
 */
import { pathToFileURL } from 'node:url';
import ExcelJS from 'exceljs';
import { type LocalStack, startLocalStack } from '../src/local/stack.ts';

export interface ImportBenchResult {
  rows: number;
  fileBytes: number;
  /** Until every row was created or found: the file is sent again while rows come back pending. */
  firstMs: number;
  firstRequests: number;
  created: number;
  /** Answers with a 5xx status over both uploads: must be 0. */
  serverErrors: number;
  /** Rows still pending after the last send (20 at most): must be 0. */
  pendingLeft: number;
  againMs: number;
  againRequests: number;
  /** What the second upload of the same file created: must be 0. */
  againCreated: number;
  existing: number;
  rowsPerSecond: number;
  peakRssAboveBaselineMb: number;
}

const KINDS = ['state-office', 'school', 'hospital', 'factory', 'shop', 'market', 'restaurant', 'hotel'];
const MAX_SENDS = 20;

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
  const units = await call('/v1/units/import', {
    units: [
      { id: 'imp-district', name: 'Huyện Nhập', parentId: stack.config.provinceId, kind: 'huyện' },
      ...communes.map((id, i) => ({ id, name: `Xã ${i}`, parentId: 'imp-district', kind: 'xã' })),
    ],
  });
  if (units.status !== 200) throw new Error(`the unit import answered ${units.status}`);
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
  let serverErrors = 0;

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
    let pending = Number.POSITIVE_INFINITY;
    for (; pending > 0 && requests < MAX_SENDS; requests++) {
      const res = await fetch(`${stack.url}/v1/units/imp-district/checkpoints/import`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${admin}`,
          'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        },
        body: file,
      });
      if (res.status >= 500) {
        serverErrors++;
        continue;
      }
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
    return {
      ms,
      requests,
      created,
      existing,
      pending: Number.isFinite(pending) ? pending : rows,
      aboveMb: (peak - baseline) / 1024 / 1024,
    };
  };
  const first = await upload();
  const again = await upload();
  return {
    rows,
    fileBytes: file.length,
    firstMs: first.ms,
    firstRequests: first.requests,
    created: first.created,
    serverErrors,
    pendingLeft: first.pending + again.pending,
    againMs: again.ms,
    againRequests: again.requests,
    againCreated: again.created,
    existing: again.existing,
    rowsPerSecond: Math.round((rows / first.ms) * 1000),
    peakRssAboveBaselineMb: Math.round(Math.max(first.aboveMb, again.aboveMb) * 10) / 10,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const stack = await startLocalStack({ provinceId: 'bench', port: 0 });
  try {
    const result = await benchImport(
      stack,
      await stack.token('admin', 'bench'),
      Number(process.argv[2] ?? 7_000),
    );
    console.log(JSON.stringify(result));
    if (result.serverErrors > 0 || result.pendingLeft > 0 || result.againCreated > 0) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}
