import { useEffect, useState } from 'preact/hooks';
import {
  type Alert,
  ApiError,
  type AuditRecord,
  api,
  type Case,
  type TraceKind,
  type TraceRow,
} from './api.ts';
import { viFieldMessage } from './format.ts';
import { Card, Problem, TextField } from './ui.tsx';

const KINDS: Record<TraceKind, { label: string; target: string }> = {
  contacts: { label: 'Người tiếp xúc của một số điện thoại', target: 'Số điện thoại' },
  visits: { label: 'Nơi một số điện thoại đã đến', target: 'Số điện thoại' },
  visitors: { label: 'Người đã đến một điểm kiểm soát', target: 'Mã định danh điểm kiểm soát (id)' },
};

const DAY = 86_400_000;
/** A `datetime-local` value (the staff member's own clock) for an instant. */
const localInput = (t: number) => {
  const d = new Date(t);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
};
const iso = (local: string) => new Date(local).toISOString();
const time = (at?: string) => (at ? new Date(at).toLocaleString('vi-VN') : '—');

/**
 * Contact tracing for tracers and admins: every query is asked in a case (purpose limitation), every query and
 * export is audited by the API before it answers. The cases of the scope, a query with its answer and its XLSX
 * export, the case's exposure alerts (drafted here, approved by a second staff member), and for admins the audit.
 */
export function TracingScreen({ isAdmin }: { isAdmin: boolean }) {
  const [cases, setCases] = useState<Case[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [selected, setSelected] = useState<string | undefined>();
  const [reload, setReload] = useState(0);

  useEffect(() => {
    setError(undefined);
    api.cases('open').then(({ items }) => {
      setCases(items);
      setSelected((id) => (id && items.some((c) => c.id === id) ? id : items[0]?.id));
    }, setError);
  }, [reload]);

  const current = cases?.find((c) => c.id === selected);
  return (
    <div class="tracing">
      {error !== undefined ? (
        <Problem error={error} />
      ) : !cases ? (
        <p class="loading">Đang tải…</p>
      ) : cases.length === 0 ? (
        <p class="empty">Chưa có ca bệnh nào đang mở. Mọi truy vấn truy vết phải thuộc một ca.</p>
      ) : (
        <label class="case-picker">
          Ca đang mở{' '}
          <select
            id="case"
            value={selected}
            onChange={(e) => setSelected((e.currentTarget as HTMLSelectElement).value)}
          >
            {cases.map((c) => (
              <option key={c.id} value={c.id}>
                {c.ref} — {c.reason}
              </option>
            ))}
          </select>
        </label>
      )}
      <OpenCase
        onOpened={(c) => {
          setSelected(c.id);
          setReload((n) => n + 1);
        }}
      />
      {current && (
        <>
          <Query key={current.id} caseId={current.id} />
          <Alerts caseId={current.id} />
          <CloseCase c={current} onClosed={() => setReload((n) => n + 1)} />
        </>
      )}
      {isAdmin && <KillSwitch />}
      {isAdmin && <Audit />}
    </div>
  );
}

function OpenCase({ onOpened }: { onOpened: (c: Case) => void }) {
  const [values, setValues] = useState({ ref: '', reason: '' });
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      onOpened(await api.openCase(values));
      setValues({ ref: '', reason: '' });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title="Mở ca mới">
      <form class="create" id="open-case" onSubmit={submit} noValidate>
        <TextField
          name="ref"
          label="Mã ca (ví dụ F0-QN-0123)"
          value={values.ref}
          error={error}
          onInput={(ref) => setValues({ ...values, ref })}
        />
        <TextField
          name="reason"
          label="Lý do"
          value={values.reason}
          error={error}
          onInput={(reason) => setValues({ ...values, reason })}
        />
        <button type="submit">Mở ca</button>
        {error !== undefined && !(error instanceof ApiError && error.details.length > 0) && (
          <Problem error={error} />
        )}
      </form>
    </Card>
  );
}

function Query({ caseId }: { caseId: string }) {
  const now = Date.now();
  const [kind, setKind] = useState<TraceKind>('contacts');
  const [target, setTarget] = useState('');
  const [from, setFrom] = useState(localInput(now - 14 * DAY));
  const [to, setTo] = useState(localInput(now));
  const [rows, setRows] = useState<TraceRow[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const fieldError = (path: string) => (error instanceof ApiError ? error.field(path)?.message : undefined);
  const query = () => ({ caseId, from: iso(from), to: iso(to) });

  const ask = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setRows(undefined);
    try {
      setRows((await api.trace(kind, target.trim(), query())).items);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const download = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { url } = await api.traceExport(kind, target.trim(), query());
      const a = document.createElement('a');
      a.href = url;
      a.rel = 'noopener';
      a.click();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const pathError = fieldError('phone') ?? fieldError('id');
  return (
    <Card title="Truy vấn (được ghi vào nhật ký kiểm tra)">
      <form class="create" id="trace" onSubmit={ask} noValidate>
        <label>
          Truy vấn
          <select
            name="kind"
            value={kind}
            onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value as TraceKind)}
          >
            {(Object.keys(KINDS) as TraceKind[]).map((k) => (
              <option key={k} value={k}>
                {KINDS[k].label}
              </option>
            ))}
          </select>
        </label>
        <label>
          {KINDS[kind].target}
          <input
            name="target"
            value={target}
            onInput={(e) => setTarget((e.currentTarget as HTMLInputElement).value)}
          />
          {pathError && (
            <span class="field-error" data-field="target">
              {viFieldMessage(pathError)}
            </span>
          )}
        </label>
        <label>
          Từ
          <input
            type="datetime-local"
            name="from"
            value={from}
            onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)}
          />
          {fieldError('from') && <span class="field-error">{viFieldMessage(fieldError('from')!)}</span>}
        </label>
        <label>
          Đến
          <input
            type="datetime-local"
            name="to"
            value={to}
            onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)}
          />
          {fieldError('to') && <span class="field-error">{viFieldMessage(fieldError('to')!)}</span>}
        </label>
        <button type="submit" disabled={busy}>
          Tra cứu
        </button>
        <button type="button" id="trace-xlsx" disabled={busy || !target.trim()} onClick={download}>
          Tải XLSX cho hồ sơ ca
        </button>
        {error !== undefined && !(error instanceof ApiError && error.details.length > 0) && (
          <Problem error={error} />
        )}
      </form>
      {rows &&
        (rows.length === 0 ? (
          <p class="empty">Không có kết quả trong khoảng thời gian này.</p>
        ) : (
          <TraceTable kind={kind} rows={rows} />
        ))}
    </Card>
  );
}

function TraceTable({ kind, rows }: { kind: TraceKind; rows: TraceRow[] }) {
  return (
    <table class="users" id="trace-result">
      <thead>
        <tr>
          {kind !== 'visits' && <th>Số điện thoại</th>}
          <th>Điểm kiểm soát</th>
          <th>{kind === 'contacts' ? 'Từ' : 'Vào'}</th>
          <th>{kind === 'contacts' ? 'Đến' : 'Ra'}</th>
          {kind === 'contacts' && <th>Trùng (phút)</th>}
          <th>Người đi cùng</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i} data-phone={r.phone}>
            {kind !== 'visits' && <td>{r.phone}</td>}
            <td>{r.checkpointName ?? r.checkpointId}</td>
            <td>{time(kind === 'contacts' ? r.from : r.in)}</td>
            <td>{time(kind === 'contacts' ? r.to : r.out)}</td>
            {kind === 'contacts' && <td class="overlap">{r.overlapMinutes}</td>}
            <td>{r.companions ?? 0}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const ALERT_STATUS: Record<Alert['status'], string> = {
  draft: 'Bản nháp (chờ người thứ hai duyệt)',
  sending: 'Đang gửi',
  sent: 'Đã gửi',
  cancelled: 'Đã huỷ',
};

/** The case's exposure alerts: drafted here with how many phones they reach; a second staff member approves. */
function Alerts({ caseId }: { caseId: string }) {
  const [alerts, setAlerts] = useState<Alert[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);
  const now = Date.now();
  const [draft, setDraft] = useState({
    checkpointIds: '',
    from: localInput(now - 2 * DAY),
    to: localInput(now),
    template: 'exposure' as Alert['template'],
  });

  useEffect(() => {
    api.alerts().then(({ items }) => setAlerts(items.filter((a) => a.caseId === caseId)), setError);
  }, [caseId, reload]);

  const act = async (run: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await run();
      setReload((n) => n + 1);
    } catch (err) {
      setError(err);
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    return act(() =>
      api.draftAlert({
        caseId,
        checkpointIds: draft.checkpointIds
          .split(/[\s,]+/)
          .map((id) => id.trim())
          .filter(Boolean),
        from: iso(draft.from),
        to: iso(draft.to),
        template: draft.template,
      }),
    );
  };
  return (
    <Card title="Cảnh báo phơi nhiễm">
      {alerts && alerts.length > 0 && (
        <ul class="alerts" id="alerts">
          {alerts.map((a) => (
            <li key={a.id} data-id={a.id} data-status={a.status}>
              {ALERT_STATUS[a.status]} · {a.recipients} số nhận · đã gửi {a.sent}
              {a.failed ? ` · ${a.failed} số không gửi được` : ''} · {time(a.from)} – {time(a.to)}
              {a.status === 'draft' && (
                <button type="button" class="approve" onClick={() => act(() => api.approveAlert(a.id))}>
                  Duyệt và gửi
                </button>
              )}
              {(a.status === 'draft' || a.status === 'sending') && (
                <button type="button" class="cancel" onClick={() => act(() => api.cancelAlert(a.id))}>
                  Huỷ
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form class="create" id="draft-alert" onSubmit={submit} noValidate>
        <label>
          Điểm kiểm soát (id, cách nhau bởi dấu phẩy)
          <input
            name="checkpointIds"
            value={draft.checkpointIds}
            onInput={(e) =>
              setDraft({ ...draft, checkpointIds: (e.currentTarget as HTMLInputElement).value })
            }
          />
        </label>
        <label>
          Từ
          <input
            type="datetime-local"
            name="from"
            value={draft.from}
            onInput={(e) => setDraft({ ...draft, from: (e.currentTarget as HTMLInputElement).value })}
          />
        </label>
        <label>
          Đến
          <input
            type="datetime-local"
            name="to"
            value={draft.to}
            onInput={(e) => setDraft({ ...draft, to: (e.currentTarget as HTMLInputElement).value })}
          />
        </label>
        <label>
          Nội dung
          <select
            name="template"
            value={draft.template}
            onChange={(e) =>
              setDraft({
                ...draft,
                template: (e.currentTarget as HTMLSelectElement).value as Alert['template'],
              })
            }
          >
            <option value="exposure">Thông báo đã có mặt cùng thời điểm, cùng địa điểm với ca bệnh</option>
            <option value="get-tested">Đề nghị đi xét nghiệm</option>
          </select>
        </label>
        <button type="submit">Soạn cảnh báo</button>
      </form>
      {error !== undefined && <AlertProblem error={error} />}
    </Card>
  );
}

function AlertProblem({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.details.length > 0) {
    return (
      <ul class="problem" role="alert">
        {error.details.map((d) => (
          <li key={d.path}>
            {d.path}: {viFieldMessage(d.message)}
          </li>
        ))}
      </ul>
    );
  }
  if (error instanceof ApiError && error.refused) {
    return (
      <p class="problem refused" role="alert">
        Không có quyền: người soạn cảnh báo không tự duyệt được, và chỉ cán bộ trong phạm vi mới duyệt được
        (403).
      </p>
    );
  }
  return <Problem error={error} />;
}

function CloseCase({ c, onClosed }: { c: Case; onClosed: () => void }) {
  const [error, setError] = useState<unknown>();
  const close = async () => {
    if (!confirm(`Đóng ca ${c.ref}? Ca đã đóng không còn truy vấn được.`)) return;
    try {
      await api.closeCase(c.id);
      onClosed();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <p>
      <button type="button" id="close-case" onClick={close}>
        Đóng ca {c.ref}
      </button>
      {error !== undefined && <Problem error={error} />}
    </p>
  );
}

/** The province's kill switch: stops every alert's sending at once (admins of the province's root unit only). */
function KillSwitch() {
  const [state, setState] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const act = async (run: () => Promise<string>, question: string) => {
    if (!confirm(question)) return;
    setError(undefined);
    try {
      setState(await run());
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title="Dừng khẩn cấp mọi cảnh báo của tỉnh">
      <button
        type="button"
        id="pause-alerts"
        onClick={() =>
          act(async () => {
            await api.pauseAlerts();
            return 'Đã tạm dừng: không cảnh báo nào gửi thêm tin nhắn cho đến khi tiếp tục.';
          }, 'Tạm dừng việc gửi mọi cảnh báo của tỉnh?')
        }
      >
        Tạm dừng mọi cảnh báo
      </button>{' '}
      <button
        type="button"
        id="resume-alerts"
        onClick={() =>
          act(async () => {
            const { requeued } = await api.resumeAlerts();
            return `Đã tiếp tục: ${requeued} cảnh báo đang gửi được đưa lại vào hàng đợi.`;
          }, 'Tiếp tục gửi các cảnh báo?')
        }
      >
        Tiếp tục
      </button>
      {state && (
        <p class="ok" id="switch-state">
          {state}
        </p>
      )}
      {error !== undefined && <Problem error={error} />}
    </Card>
  );
}

/** The audit trail of the admin's scope for the last 7 days: who asked what, in which case; never a number. */
function Audit() {
  const [records, setRecords] = useState<AuditRecord[] | undefined>();
  const [error, setError] = useState<unknown>();
  const load = () => {
    const now = Date.now();
    api
      .audit(new Date(now - 7 * DAY).toISOString(), new Date(now + 60_000).toISOString())
      .then(({ items }) => setRecords(items), setError);
  };
  useEffect(load, []);
  return (
    <Card title="Nhật ký kiểm tra (7 ngày qua)">
      <button type="button" id="audit-reload" onClick={load}>
        Tải lại
      </button>
      {error !== undefined ? (
        <Problem error={error} />
      ) : !records ? (
        <p class="loading">Đang tải…</p>
      ) : (
        <table class="users" id="audit">
          <thead>
            <tr>
              <th>Lúc</th>
              <th>Người hỏi</th>
              <th>Thao tác</th>
              <th>Ca</th>
              <th>Đối tượng (mã băm)</th>
              <th>Kết quả</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r, i) => (
              <tr key={i} data-action={r.action}>
                <td>{time(r.at)}</td>
                <td>
                  {r.subject} ({r.role}, {r.unitId})
                </td>
                <td>{r.action}</td>
                <td>{r.caseId}</td>
                <td class="target">{r.target}</td>
                <td>{r.results ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
