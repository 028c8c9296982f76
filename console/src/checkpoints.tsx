import { useEffect, useState } from 'preact/hooks';
import {
  ApiError,
  api,
  CHECKPOINT_KINDS,
  type Checkpoint,
  type CheckpointFilter,
  type CheckpointKind,
  type Page,
} from './api.ts';
import { PersonalCard } from './cards.tsx';
import { CheckpointEdit, KIND_ENTRIES, KindField } from './checkpoint-edit.tsx';
import { GateLinkButton } from './gate-link.tsx';
import { ImportPanel } from './imports.tsx';
import { Card, Problem, TextField } from './ui.tsx';

/**
 * A unit's checkpoints: search, filters, paging (the API's nextToken), and the actions on each one. The units below
 * it are included from the start: a district has few checkpoints of its own, and its officer looks for its communes'.
 */
export function CheckpointsScreen({ unitId }: { unitId: string }) {
  const [filter, setFilter] = useState<CheckpointFilter>({ subtree: true });
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page<Checkpoint> | undefined>();
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);
  const current = tokens[tokens.length - 1];

  useEffect(() => {
    setPage(undefined);
    setError(undefined);
    api.checkpoints(unitId, filter, current).then(setPage, setError);
  }, [unitId, filter, current, reload]);

  const applyFilter = (next: CheckpointFilter) => {
    setTokens([undefined]);
    setFilter(next);
  };
  const replace = (cp: Checkpoint) =>
    setPage((p) => p && { ...p, items: p.items.map((x) => (x.id === cp.id ? { ...x, ...cp } : x)) });

  return (
    <div>
      <Filters filter={filter} onChange={applyFilter} />
      <UnitTools unitId={unitId} onRenamed={() => setReload((n) => n + 1)} />
      {error ? (
        <Problem error={error} />
      ) : !page ? (
        <p class="loading">Đang tải…</p>
      ) : page.items.length === 0 ? (
        <p class="empty">Không có điểm kiểm soát nào khớp.</p>
      ) : (
        <ul class="checkpoints" id="checkpoints">
          {page.items.map((cp) => (
            <CheckpointItem key={cp.id} cp={cp} onChanged={replace} />
          ))}
        </ul>
      )}
      <div class="pager">
        <button type="button" disabled={tokens.length < 2} onClick={() => setTokens((t) => t.slice(0, -1))}>
          ← Trang trước
        </button>
        <span>Trang {tokens.length}</span>
        <button
          type="button"
          disabled={!page?.nextToken}
          onClick={() => page?.nextToken && setTokens((t) => [...t, page.nextToken])}
        >
          Trang sau →
        </button>
      </div>
      <CreateCheckpoint unitId={unitId} onCreated={() => setReload((n) => n + 1)} />
      <ImportPanel key={unitId} what="checkpoints" unitId={unitId} />
      <PersonalCard />
    </div>
  );
}

function Filters({
  filter,
  onChange,
}: {
  filter: CheckpointFilter;
  onChange: (f: CheckpointFilter) => void;
}) {
  const [q, setQ] = useState(filter.q ?? '');
  return (
    <form
      class="filters"
      onSubmit={(e) => {
        e.preventDefault();
        onChange({ ...filter, q: q.trim() || undefined });
      }}
    >
      <input
        id="search"
        type="search"
        placeholder="Tìm theo tên (không cần dấu)"
        value={q}
        onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
      />
      <select
        aria-label="Loại địa điểm"
        value={filter.kind ?? ''}
        onChange={(e) => {
          const kind = (e.currentTarget as HTMLSelectElement).value as CheckpointKind | '';
          onChange({ ...filter, kind: kind || undefined });
        }}
      >
        <option value="">Mọi loại</option>
        {KIND_ENTRIES.map(([k, label]) => (
          <option key={k} value={k}>
            {label}
          </option>
        ))}
      </select>
      <select
        aria-label="Trạng thái"
        value={filter.active === undefined ? '' : String(filter.active)}
        onChange={(e) => {
          const v = (e.currentTarget as HTMLSelectElement).value;
          onChange({ ...filter, active: v === '' ? undefined : v === 'true' });
        }}
      >
        <option value="">Mọi trạng thái</option>
        <option value="true">Đang hoạt động</option>
        <option value="false">Đã ngừng</option>
      </select>
      <label class="check">
        <input
          type="checkbox"
          checked={filter.namingViolation === true}
          onChange={(e) =>
            onChange({
              ...filter,
              namingViolation: (e.currentTarget as HTMLInputElement).checked || undefined,
            })
          }
        />{' '}
        Tên chưa đúng quy tắc
      </label>
      <label class="check">
        <input
          id="idle"
          type="checkbox"
          checked={filter.idle === true}
          onChange={(e) =>
            onChange({ ...filter, idle: (e.currentTarget as HTMLInputElement).checked || undefined })
          }
        />{' '}
        Không hoạt động 7 ngày qua
      </label>
      <label class="check">
        <input
          id="subtree"
          type="checkbox"
          checked={filter.subtree === true}
          onChange={(e) =>
            onChange({ ...filter, subtree: (e.currentTarget as HTMLInputElement).checked || undefined })
          }
        />{' '}
        Cả các đơn vị cấp dưới
      </label>
      <button type="submit">Tìm</button>
    </form>
  );
}

function CheckpointItem({ cp, onChanged }: { cp: Checkpoint; onChanged: (cp: Checkpoint) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [editing, setEditing] = useState(false);
  const act = async (run: () => Promise<Checkpoint>, confirmText?: string) => {
    if (confirmText && !confirm(confirmText)) return;
    setBusy(true);
    setError(undefined);
    try {
      onChanged(await run());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const poster = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const url = URL.createObjectURL(await api.poster(cp.id));
      const a = document.createElement('a');
      a.href = url;
      a.download = `poster-${cp.code}.pdf`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class={cp.active ? 'checkpoint' : 'checkpoint inactive'} data-id={cp.id}>
      <div class="name">
        <strong>{cp.name}</strong> <span class="code">{cp.code}</span>
        {!cp.active && <span class="badge">Đã ngừng</span>}
        {!cp.followsNamingRule && (
          <span class="badge warn" title={cp.canonicalName}>
            Tên chưa đúng quy tắc
          </span>
        )}
      </div>
      <div class="meta">
        {cp.unitName && <>{cp.unitName} · </>}
        {CHECKPOINT_KINDS[cp.kind] ?? cp.kind} · {cp.address}
        {!cp.followsNamingRule && cp.canonicalName && <> · Tên theo quy tắc: {cp.canonicalName}</>}
      </div>
      <div class="actions">
        <button type="button" class="edit" disabled={busy} onClick={() => setEditing(!editing)}>
          Sửa
        </button>
        <button type="button" disabled={busy} onClick={poster}>
          Áp phích (PDF)
        </button>
        <GateLinkButton cp={cp} />
        {!cp.followsNamingRule && (
          <button
            type="button"
            class="apply-rule"
            disabled={busy}
            onClick={() => act(() => api.updateCheckpoint(cp.id, { applyNamingRule: true }))}
          >
            Đặt tên theo quy tắc
          </button>
        )}
        <button
          type="button"
          disabled={busy}
          onClick={() => act(() => api.rotateCode(cp.id), 'Đổi mã? Mã cũ và áp phích cũ sẽ ngừng hoạt động.')}
        >
          Đổi mã
        </button>
        {cp.active ? (
          <button
            type="button"
            disabled={busy}
            onClick={() => act(() => api.deactivate(cp.id), `Ngừng điểm "${cp.name}"?`)}
          >
            Ngừng hoạt động
          </button>
        ) : (
          <button type="button" disabled={busy} onClick={() => act(() => api.reactivate(cp.id))}>
            Kích hoạt lại
          </button>
        )}
      </div>
      {editing && (
        <CheckpointEdit
          cp={cp}
          onSaved={(saved) => {
            setEditing(false);
            onChanged(saved);
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      {error !== undefined && <Problem error={error} />}
    </li>
  );
}

/**
 * What staff do to a whole unit at once: give every misnamed checkpoint of it and of the units below it the rule's
 * name (the next weekly report's naming column drops to match), and print the posters of the unit and everything
 * below it in one PDF (a district prints its communes'), through a signed link asked for at the click.
 */
function UnitTools({ unitId, onRenamed }: { unitId: string; onRenamed: () => void }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    setMessage(undefined);
    try {
      setMessage(await work());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const renameAll = () =>
    run(async () => {
      if (
        !confirm(
          'Đặt lại tên theo quy tắc cho mọi điểm có tên sai quy tắc của đơn vị này và các đơn vị cấp dưới?',
        )
      )
        return '';
      let renamed = 0;
      // A large subtree takes more than one request: each answers `done: false` until nothing is left.
      for (;;) {
        const answer = await api.renameViolations(unitId, { subtree: true });
        renamed += answer.renamed;
        if (answer.done) break;
      }
      onRenamed();
      return `Đã đặt lại tên cho ${renamed} điểm.`;
    });
  const posters = () =>
    run(async () => {
      const { url, checkpoints } = await api.unitPosters(unitId, { subtree: true });
      const a = document.createElement('a');
      a.href = url;
      a.rel = 'noopener';
      a.click();
      return `Áp phích của ${checkpoints} điểm đang được tải xuống.`;
    });
  return (
    <div class="unit-tools">
      <button type="button" id="rename-all" disabled={busy} onClick={renameAll}>
        Đặt tên theo quy tắc cho mọi điểm sai (cả cấp dưới)
      </button>
      <button type="button" id="subtree-posters" disabled={busy} onClick={posters}>
        In áp phích cả đơn vị và cấp dưới (PDF)
      </button>
      {message && (
        <p class="ok" id="unit-tools-result">
          {message}
        </p>
      )}
      {error !== undefined && <Problem error={error} />}
    </div>
  );
}

const FIELDS = [
  ['placeName', 'Tên địa điểm'],
  ['address', 'Địa chỉ'],
  ['ref', 'Mã riêng của đơn vị (không bắt buộc)'],
] as const;

/** A new checkpoint; the API's field errors are shown beside their fields, in Vietnamese. */
function CreateCheckpoint({ unitId, onCreated }: { unitId: string; onCreated: () => void }) {
  const [values, setValues] = useState({ kind: 'state-office', placeName: '', address: '', ref: '' });
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<Checkpoint | undefined>();

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setCreated(undefined);
    try {
      const { ref, ...rest } = values;
      setCreated(await api.createCheckpoint(unitId, { ...rest, ...(ref.trim() ? { ref } : {}) }));
      setValues({ ...values, placeName: '', address: '', ref: '' });
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title="Thêm điểm kiểm soát">
      <form class="create" id="create-checkpoint" onSubmit={submit} noValidate>
        <KindField value={values.kind} error={error} onChange={(kind) => setValues({ ...values, kind })} />
        {FIELDS.map(([name, label]) => (
          <TextField
            key={name}
            name={name}
            label={label}
            value={values[name]}
            error={error}
            onInput={(value) => setValues({ ...values, [name]: value })}
          />
        ))}
        <button type="submit">Thêm</button>
        {error !== undefined && !(error instanceof ApiError && error.details.length > 0) && (
          <Problem error={error} />
        )}
        {created && (
          <p class="ok">
            Đã thêm “{created.name}”, mã {created.code}.
          </p>
        )}
      </form>
    </Card>
  );
}
