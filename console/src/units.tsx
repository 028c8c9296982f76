import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type Unit } from './api.ts';
import { ImportPanel } from './imports.tsx';
import { Card, Problem, TextField } from './ui.tsx';

const KINDS: Record<string, string> = {
  district: 'Huyện / quận',
  commune: 'Xã / phường / thị trấn',
  sector: 'Ngành',
  other: 'Khác',
};

/**
 * The unit tree below a unit, any depth, each level opened on demand (GET /v1/units/{id} answers a unit with its
 * children): rename a unit, move it under another unit of the scope (its subtree and checkpoints follow), and add a
 * unit under it. Admins only act; a 403 from the API is shown as such.
 */
export function UnitsScreen({ unitId }: { unitId: string }) {
  const [root, setRoot] = useState<Unit | undefined>();
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);
  useEffect(() => {
    setError(undefined);
    api.unit(unitId).then(setRoot, setError);
  }, [unitId, reload]);
  if (error !== undefined) return <Problem error={error} />;
  if (!root) return <p class="loading">Đang tải…</p>;
  const changed = () => setReload((n) => n + 1);
  return (
    <div>
      <ul class="unit-tree" id="unit-tree">
        <UnitNode unit={root} open movable={Boolean(root.parentId)} onChanged={changed} />
      </ul>
      <ImportPanel what="units" />
    </div>
  );
}

function UnitNode({
  unit,
  open,
  movable,
  onChanged,
}: {
  unit: Unit;
  open?: boolean;
  /** Every unit but the province's root may move (a child in the tree always can). */
  movable: boolean;
  onChanged: () => void;
}) {
  const [expanded, setExpanded] = useState(Boolean(open));
  const [children, setChildren] = useState<Unit[] | undefined>();
  const [version, setVersion] = useState(0);
  const [editing, setEditing] = useState<'rename' | 'move' | 'add' | undefined>();
  const [error, setError] = useState<unknown>();

  // The children, read when the unit is opened and again after a change below it; a child keeps its own state.
  useEffect(() => {
    if (expanded) api.unit(unit.id).then((u) => setChildren(u.children ?? []), setError);
  }, [expanded, version, unit.id]);

  const refresh = () => setVersion((v) => v + 1);
  /** A rename or a move changes this unit's line in its parent's list: the parent reads its children again. */
  const done = () => {
    setEditing(undefined);
    onChanged();
  };
  return (
    <li data-unit={unit.id}>
      <button type="button" class="toggle" aria-expanded={expanded} onClick={() => setExpanded(!expanded)}>
        {expanded ? '▾' : '▸'}
      </button>{' '}
      <strong class="unit-name">{unit.name}</strong> <span class="code">{unit.id}</span>{' '}
      <span class="actions">
        <button
          type="button"
          class="rename"
          onClick={() => setEditing(editing === 'rename' ? undefined : 'rename')}
        >
          Đổi tên
        </button>
        {movable && (
          <button
            type="button"
            class="move"
            onClick={() => setEditing(editing === 'move' ? undefined : 'move')}
          >
            Chuyển
          </button>
        )}
        <button type="button" class="add" onClick={() => setEditing(editing === 'add' ? undefined : 'add')}>
          Thêm đơn vị con
        </button>
      </span>
      {editing === 'rename' && (
        <UnitForm
          fields={[['name', 'Tên mới', unit.name]]}
          submitLabel="Lưu tên"
          onSubmit={(v) => api.updateUnit(unit.id, { name: v.name! })}
          onDone={done}
        />
      )}
      {editing === 'move' && (
        <UnitForm
          fields={[['parentId', 'Mã đơn vị cấp trên mới', '']]}
          submitLabel="Chuyển"
          onSubmit={(v) => api.updateUnit(unit.id, { parentId: v.parentId! })}
          onDone={done}
        />
      )}
      {editing === 'add' && (
        <UnitForm
          fields={[
            ['id', 'Mã đơn vị (chữ thường không dấu, ví dụ quang-chinh)', ''],
            ['name', 'Tên', ''],
          ]}
          kind
          submitLabel="Thêm"
          onSubmit={(v) => api.createUnit({ id: v.id!, name: v.name!, parentId: unit.id, kind: v.kind! })}
          onDone={() => {
            setEditing(undefined);
            setExpanded(true);
            refresh();
          }}
        />
      )}
      {error !== undefined && <Problem error={error} />}
      {expanded && children && children.length > 0 && (
        <ul>
          {children.map((child) => (
            <UnitNode key={child.id} unit={child} movable onChanged={refresh} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** A small form whose API field errors show beside their fields, in Vietnamese. */
function UnitForm({
  fields,
  kind,
  submitLabel,
  onSubmit,
  onDone,
}: {
  fields: [name: string, label: string, initial: string][];
  kind?: boolean;
  submitLabel: string;
  onSubmit: (values: Record<string, string>) => Promise<unknown>;
  onDone: () => void;
}) {
  const [values, setValues] = useState<Record<string, string>>({
    ...Object.fromEntries(fields.map(([name, , initial]) => [name, initial])),
    ...(kind ? { kind: 'commune' } : {}),
  });
  const [error, setError] = useState<unknown>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await onSubmit(values);
      onDone();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title={submitLabel}>
      <form class="create unit-form" onSubmit={submit} noValidate>
        {fields.map(([name, label]) => (
          <TextField
            key={name}
            name={name}
            label={label}
            value={values[name] ?? ''}
            error={error}
            onInput={(value) => setValues({ ...values, [name]: value })}
          />
        ))}
        {kind && (
          <label>
            Loại
            <select
              name="kind"
              value={values.kind}
              onChange={(e) => setValues({ ...values, kind: (e.currentTarget as HTMLSelectElement).value })}
            >
              {Object.entries(KINDS).map(([k, label]) => (
                <option key={k} value={k}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="submit">{submitLabel}</button>
        {error !== undefined && !(error instanceof ApiError && error.details.length > 0) && (
          <Problem error={error} />
        )}
      </form>
    </Card>
  );
}
