/**
 * A province's workbook as an import job: 100,000 checkpoints (one XLSX, twenty communes of a district; every
 * third row without a ref) through the local stack as a registrar's client does it — POST /v1/imports, the file
 * PUT to its presigned URL, GET /v1/imports/{id} followed to the end — then the same sheet uploaded again. The
 * local stand-in of the queue runs the job in this process in passes of LOCAL_IMPORT_PASS_MS (60 s here, so the
 * job goes on over several passes as it would over several invocations). Figures: each upload's time, rows a
 * second, passes, what the second upload created (must be 0), and the peak RSS of this process above its level
 * before (it hosts the job).
 *
 *   node --openssl-legacy-provider --expose-gc --import tsx bench/import-job.ts [rows]   → one JSON line
 */
import { pathToFileURL } from 'node:url';
import ExcelJS from 'exceljs';
import { type LocalStack, startLocalStack } from '../src/local/stack.ts';

export interface ImportJobBenchResult {
  rows: number;
  fileBytes: number;
  firstMs: number;
  rowsPerSecond: number;
  created: number;
  rejectedRows: number;
  /** Passes the job took (each one an invocation in AWS). */
  passes: number;
  againMs: number;
  /** What the second upload of the same sheet created: must be 0. */
  againCreated: number;
  againExisting: number;
  peakRssAboveBaselineMb: number;
}

const KINDS = ['state-office', 'school', 'hospital', 'factory', 'shop', 'market', 'restaurant', 'hotel'];

export async function benchImportJob(
  stack: LocalStack,
  admin: string,
  rows = 100_000,
): Promise<ImportJobBenchResult> {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as any;
    if (res.status >= 300)
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  };
  const communes = Array.from({ length: 20 }, (_, i) => `job-commune-${i}`);
  await call('POST', '/v1/units/import', {
    units: [
      { id: 'job-district', name: 'Huyện Nhập', parentId: stack.config.provinceId, kind: 'huyện' },
      ...communes.map((id, i) => ({ id, name: `Xã ${i}`, parentId: 'job-district', kind: 'xã' })),
    ],
  });
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Điểm kiểm soát');
  sheet.addRow(['Mã đơn vị', 'Loại hình', 'Tên địa điểm', 'Địa chỉ', 'Mã tham chiếu']);
  for (let i = 0; i < rows; i++) {
    sheet.addRow([
      communes[i % communes.length],
      KINDS[i % KINDS.length],
      `Địa điểm số ${i}`,
      `Thôn ${i % 9}`,
      i % 3 === 2 ? '' : `r-${i}`,
    ]);
  }
  const file = Buffer.from(await workbook.xlsx.writeBuffer());

  const upload = async () => {
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const started = performance.now();
    const job = await call('POST', '/v1/imports', {
      what: 'checkpoints',
      unitId: 'job-district',
      format: 'xlsx',
    });
    const put = await fetch(job.upload.url, { method: 'PUT', headers: job.upload.headers, body: file });
    if (!put.ok) throw new Error(`the upload answered ${put.status}`);
    let status: any;
    for (;;) {
      status = await call('GET', `/v1/imports/${job.importId}`);
      if (status.status === 'succeeded' || status.status === 'failed') break;
      await new Promise((ok) => setTimeout(ok, 500));
    }
    clearInterval(sampler);
    if (status.status !== 'succeeded') throw new Error(`the job failed: ${JSON.stringify(status.error)}`);
    return { ms: Math.round(performance.now() - started), status, aboveMb: (peak - baseline) / 1024 / 1024 };
  };
  const first = await upload();
  const again = await upload();
  return {
    rows,
    fileBytes: file.length,
    firstMs: first.ms,
    rowsPerSecond: Math.round((rows / first.ms) * 1000),
    created: first.status.created,
    rejectedRows: first.status.rejectedRows,
    passes: first.status.passes,
    againMs: again.ms,
    againCreated: again.status.created,
    againExisting: again.status.existing,
    peakRssAboveBaselineMb: Math.round(Math.max(first.aboveMb, again.aboveMb)),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.LOCAL_IMPORT_PASS_MS ??= '60000';
  const stack = await startLocalStack({ provinceId: 'bench', port: 0 });
  try {
    const result = await benchImportJob(
      stack,
      await stack.token('admin', 'bench'),
      Number(process.argv[2] ?? 100_000),
    );
    console.log(JSON.stringify(result));
    if (result.againCreated > 0 || result.created + result.rejectedRows !== result.rows) process.exitCode = 1;
  } finally {
    await stack.stop();
  }
}
