import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type ImportJob, type ImportWhat, type StartedImport } from './api.ts';
import { fmtInt, viFieldMessage } from './format.ts';
import { Card, Problem } from './ui.tsx';

/** How often a running job's progress is asked for. */
const POLL_MS = 700;
/** Failed polls in a row (throttled, a 5xx) waited out before the page says so. */
const MAX_POLL_FAILURES = 5;

/** The columns of a file as the API names them (src/core/import.ts), as the sheet's headers say them. */
const COLUMNS: Record<string, string> = {
  unitId: 'Mã đơn vị',
  kind: 'Loại hình',
  placeName: 'Tên địa điểm',
  address: 'Địa chỉ',
  name: 'Tên điểm kiểm soát',
  ref: 'Mã tham chiếu',
  createdAt: 'Ngày tạo',
  id: 'Mã',
  parentId: 'Đơn vị cấp trên',
  code: 'Mã hành chính',
};

const STATUS: Record<ImportJob['status'], string> = {
  waiting: 'Đang chờ tệp',
  running: 'Đang nhập',
  succeeded: 'Đã xong',
  failed: 'Không nhập được',
};

/** The file's format by its name, as `vaora import` decides it; anything else is refused before sending. */
function formatOf(file: File): 'xlsx' | 'csv' | undefined {
  if (/\.csv$/i.test(file.name)) return 'csv';
  if (/\.xlsx$/i.test(file.name)) return 'xlsx';
  return undefined;
}

/**
 * The file straight to storage with the presigned PUT the job answered (no API in between, so no size limit but
 * the job's), through XMLHttpRequest because fetch cannot report an upload's progress.
 */
function upload(target: StartedImport['upload'], file: File, onProgress: (fraction: number) => void) {
  return new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method, target.url);
    for (const [name, value] of Object.entries(target.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () =>
      xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new UploadError(xhr.status));
    xhr.onerror = () => reject(new UploadError(0));
    xhr.send(file);
  });
}

class UploadError extends Error {
  constructor(readonly status: number) {
    super(`upload ${status}`);
  }
}

/**
 * Imports a spreadsheet (XLSX or CSV) as a job: the job is asked for, the file goes straight to storage (its upload
 * progress shown), then the job is followed to its end with a progress bar, its counts and each rejected row's
 * problems by row and column. `what: 'checkpoints'` imports under `unitId`; units go where their rows say, within
 * the token's own unit.
 */
export function ImportPanel({ what, unitId }: { what: ImportWhat; unitId?: string }) {
  const [file, setFile] = useState<File | undefined>();
  const [fileError, setFileError] = useState<string | undefined>();
  const [uploaded, setUploaded] = useState<number | undefined>();
  const [job, setJob] = useState<ImportJob | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // A job followed after the panel is gone would set the state of nothing: the loop stops with it.
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setJob(undefined);
    setUploaded(undefined);
    const format = file && formatOf(file);
    if (!file || !format) {
      setFileError(file ? 'Chỉ nhận tệp .xlsx hoặc .csv' : 'Chọn một tệp .xlsx hoặc .csv');
      return;
    }
    setFileError(undefined);
    setBusy(true);
    try {
      const started = await api.startImport({ what, format, ...(unitId ? { unitId } : {}) });
      setUploaded(0);
      await upload(started.upload, file, setUploaded);
      setUploaded(1);
      let failures = 0;
      for (;;) {
        let current: ImportJob;
        try {
          current = await api.importJob(started.importId);
          failures = 0;
        } catch (err) {
          // A busy moment (throttled, a 5xx) is waited out; the job goes on without the page.
          const transient = err instanceof ApiError && (err.status === 429 || err.status >= 500);
          if (!transient || ++failures > MAX_POLL_FAILURES) throw err;
          await new Promise((ok) => setTimeout(ok, POLL_MS * 2 ** failures));
          continue;
        }
        if (!alive.current) return;
        setJob(current);
        if (current.status === 'succeeded' || current.status === 'failed') break;
        await new Promise((ok) => setTimeout(ok, POLL_MS));
      }
    } catch (err) {
      if (alive.current) setError(err);
    } finally {
      if (alive.current) setBusy(false);
    }
  };

  const title = what === 'units' ? 'Nhập đơn vị từ bảng tính' : 'Nhập điểm kiểm soát từ bảng tính';
  const columns =
    what === 'units'
      ? 'Mã, Tên, Đơn vị cấp trên, Cấp (không bắt buộc), Mã hành chính (không bắt buộc)'
      : 'Loại hình, Tên địa điểm, Địa chỉ; không bắt buộc: Mã đơn vị (một đơn vị cấp dưới), Tên điểm kiểm soát, Mã tham chiếu, Ngày tạo';
  return (
    <Card title={title}>
      <form class="import" id={`import-${what}`} onSubmit={submit} noValidate>
        <p class="hint">Dòng đầu là tên cột: {columns}. Gửi lại cùng tệp không tạo trùng.</p>
        <label>
          Tệp (.xlsx hoặc .csv)
          <input
            type="file"
            name="file"
            accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            aria-invalid={fileError ? 'true' : undefined}
            onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0])}
          />
          {fileError && (
            <span class="field-error" data-field="file">
              {fileError}
            </span>
          )}
        </label>
        <button type="submit" disabled={busy}>
          Nhập
        </button>
        {uploaded !== undefined && (
          <label class="progress">
            Tải tệp lên: {Math.round(uploaded * 100)} %
            <progress id={`import-upload-${what}`} max={1} value={uploaded} />
          </label>
        )}
        {job && <JobView job={job} />}
        {error !== undefined &&
          (error instanceof UploadError ? (
            <div class="problem" role="alert">
              Không tải được tệp lên ({error.status || 'mất kết nối'}). Hãy thử lại.
            </div>
          ) : (
            <Problem error={error} />
          ))}
      </form>
    </Card>
  );
}

function JobView({ job }: { job: ImportJob }) {
  const rows = job.rows;
  return (
    <div class="import-job" data-status={job.status}>
      <label class="progress">
        <span class="import-status">{STATUS[job.status]}</span>
        {rows !== undefined && (
          <>
            {' '}
            · {fmtInt(job.position)}/{fmtInt(rows)} dòng
          </>
        )}
        {/* Without a row count yet (the file not read), an indeterminate bar. */}
        <progress class="import-progress" max={rows || 1} {...(rows ? { value: job.position } : {})} />
      </label>
      {(job.status === 'succeeded' || job.status === 'failed') && (
        <p class="import-counts">
          Đã tạo <strong data-count="created">{fmtInt(job.created)}</strong>, đã có từ trước{' '}
          <strong data-count="existing">{fmtInt(job.existing)}</strong>, bị từ chối{' '}
          <strong data-count="rejected">{fmtInt(job.rejectedRows)}</strong> dòng.
        </p>
      )}
      {job.error && (
        <div class="problem" role="alert">
          Không đọc được tệp: {job.error.message}
          {job.error.details.length > 0 && (
            <ul>
              {job.error.details.map((d) => (
                <li key={`${d.path}:${d.message}`}>
                  {COLUMNS[d.path] ?? d.path}: {viFieldMessage(d.message)}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {job.problems.length > 0 && (
        <table class="import-problems">
          <caption>
            Các dòng bị từ chối
            {job.rejectedRows > job.problems.length && ` (${fmtInt(job.problems.length)} lỗi đầu tiên)`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Dòng</th>
              <th scope="col">Cột</th>
              <th scope="col">Lỗi</th>
            </tr>
          </thead>
          <tbody>
            {job.problems.map((p) => (
              <tr key={`${p.row}:${p.column}:${p.message}`} data-row={p.row} data-column={p.column}>
                <td>{p.row}</td>
                <td>{COLUMNS[p.column] ?? p.column}</td>
                <td>{viFieldMessage(p.message)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {job.pending.length > 0 && (
        <p class="problem">
          {fmtInt(job.pending.length)} dòng chưa ghi được (dòng{' '}
          {job.pending
            .slice(0, 20)
            .map((p) => p.row)
            .join(', ')}
          {job.pending.length > 20 && '…'}): hãy nhập lại cùng tệp.
        </p>
      )}
    </div>
  );
}
