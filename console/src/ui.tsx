import type { ComponentChildren } from 'preact';
import { ApiError } from './api.ts';
import { viFieldMessage } from './format.ts';

/** What went wrong, said plainly: a refusal (403) is never shown as an empty list. */
export function Problem({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.refused) {
    return (
      <div class="problem refused" role="alert">
        <strong>Không có quyền truy cập.</strong> Tài khoản của bạn không được xem hoặc thao tác ở đơn vị này
        (mã lỗi 403).
      </div>
    );
  }
  if (error instanceof ApiError && error.status === 404) {
    return (
      <div class="problem" role="alert">
        Không tìm thấy dữ liệu (404).
      </div>
    );
  }
  const detail = error instanceof ApiError ? ` (${error.status} ${error.code})` : '';
  return (
    <div class="problem" role="alert">
      Có lỗi khi tải dữ liệu{detail}. Hãy thử lại.
    </div>
  );
}

export function Card({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="card">
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/**
 * A text field of a form, with the API's error for it beside it in Vietnamese: every form shows the contract's
 * `details` the same way (`error` is what the last submit answered, if anything).
 */
export function TextField(props: {
  name: string;
  label: string;
  value: string;
  error: unknown;
  onInput: (value: string) => void;
}) {
  const message = props.error instanceof ApiError ? props.error.field(props.name)?.message : undefined;
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        value={props.value}
        aria-invalid={message ? 'true' : undefined}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
      {message && (
        <span class="field-error" data-field={props.name}>
          {viFieldMessage(message)}
        </span>
      )}
    </label>
  );
}
