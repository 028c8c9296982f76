import { useState } from 'preact/hooks';
import {
  ApiError,
  api,
  CHECKPOINT_KINDS,
  type Checkpoint,
  type CheckpointKind,
  type CheckpointPatch,
} from './api.ts';
import { viFieldMessage } from './format.ts';
import { Problem, TextField } from './ui.tsx';

export const KIND_ENTRIES = Object.entries(CHECKPOINT_KINDS) as [CheckpointKind, string][];

/** The kind of place, as a list, with the API's error for `kind` beside it. */
export function KindField(props: { value: string; error: unknown; onChange: (kind: string) => void }) {
  const message = props.error instanceof ApiError ? props.error.field('kind')?.message : undefined;
  return (
    <label>
      Loại địa điểm
      <select
        name="kind"
        value={props.value}
        aria-invalid={message ? 'true' : undefined}
        onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}
      >
        {KIND_ENTRIES.map(([k, label]) => (
          <option key={k} value={k}>
            {label}
          </option>
        ))}
      </select>
      {message && (
        <span class="field-error" data-field="kind">
          {viFieldMessage(message)}
        </span>
      )}
    </label>
  );
}

const FIELDS = [
  ['placeName', 'Tên địa điểm'],
  ['address', 'Địa chỉ'],
  ['name', 'Tên điểm kiểm soát'],
] as const;

/** An error every detail of which is already shown beside its field. */
const besideFields = (error: unknown) =>
  error instanceof ApiError &&
  error.details.length > 0 &&
  error.details.every((d) => d.path === 'kind' || FIELDS.some(([name]) => name === d.path));

type Values = { kind: string; placeName: string; address: string; name: string };

/**
 * PATCH /v1/checkpoints/{id} with the fields changed, and only those: a name left as it was is not sent, so a
 * checkpoint that follows the naming rule keeps following it (its name is rebuilt from its new fields), and a name
 * typed by hand is kept and flagged when it breaks the rule. The API's field errors are shown beside their fields.
 */
export function CheckpointEdit({
  cp,
  onSaved,
  onCancel,
}: {
  cp: Checkpoint;
  onSaved: (cp: Checkpoint) => void;
  onCancel: () => void;
}) {
  const [values, setValues] = useState<Values>({
    kind: cp.kind,
    placeName: cp.placeName,
    address: cp.address,
    name: cp.name,
  });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [unchanged, setUnchanged] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const patch: CheckpointPatch = {};
    if (values.kind !== cp.kind) patch.kind = values.kind as CheckpointKind;
    if (values.placeName !== cp.placeName) patch.placeName = values.placeName;
    if (values.address !== cp.address) patch.address = values.address;
    if (values.name !== cp.name) patch.name = values.name;
    setUnchanged(Object.keys(patch).length === 0);
    if (Object.keys(patch).length === 0) return;
    setBusy(true);
    setError(undefined);
    try {
      onSaved(await api.updateCheckpoint(cp.id, patch));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="edit-checkpoint" onSubmit={submit} noValidate>
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
      <p class="hint">
        Để nguyên tên thì tên đi theo quy tắc (nếu đang đúng quy tắc); tên gõ tay khác quy tắc sẽ bị đánh dấu.
      </p>
      <div class="actions">
        <button type="submit" disabled={busy}>
          Lưu
        </button>
        <button type="button" class="cancel" onClick={onCancel}>
          Huỷ
        </button>
      </div>
      {unchanged && <p class="hint">Chưa có gì thay đổi.</p>}
      {error !== undefined && !besideFields(error) && <Problem error={error} />}
    </form>
  );
}
