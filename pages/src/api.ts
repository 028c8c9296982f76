/**
 * The API as the pages call it: paths and request bodies typed from the OpenAPI document the handlers' zod
 * schemas generate (src/openapi/api.d.ts), so a renamed route or field fails the pages' type check; and the API's
 * refusals in plain Vietnamese.
 */
import { MAX_COMPANIONS } from '../../src/core/limits.ts';
import type { CheckpointRef } from '../../src/core/model.ts';
import type { operations, paths } from '../../src/openapi/api.d.ts';

/** The JSON body an operation of the OpenAPI document takes. */
export type BodyOf<O extends keyof operations> = operations[O] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** What GET /v1/checkpoints/by-code/{code} answers (functions/get-checkpoint-by-code.ts). */
export type CheckpointAnswer = Pick<CheckpointRef, 'id' | 'name' | 'unitId' | 'unitName' | 'active'>;

/** The contract's error shape (docs/API.md), as far as the pages read it. */
export interface ApiError {
  code?: string;
  details?: { path?: string }[];
}

/** One item's result in a batch answer (POST /v1/checkins/batch, POST /v1/checkpoints/{id}/checkins with a list). */
export interface ItemResult {
  index: number;
  status: 'created' | 'duplicate' | 'rejected';
  error?: ApiError;
}

export interface Answer<T> {
  status: number;
  body: T | null;
}

/** A path of the API, its `{parameters}` filled in and encoded. */
export function apiPath(template: keyof paths, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

export const NOT_KEPT = 'Không gửi được và máy không lưu được lượt này. Hãy thử lại khi có mạng.';
export const WRONG_PHONE = 'Số điện thoại không đúng. Hãy nhập số di động Việt Nam, ví dụ 0912 345 678.';

/** The field a refusal is about: the form shows it there, `token` means the staff's access, `code` the checkpoint. */
export type Field = '' | 'phone' | 'at' | 'companions' | 'card' | 'code' | 'token';

/** A refusal in plain Vietnamese, and the field it is about. */
export function problem(status: number, body?: { error?: ApiError } | null): { field: Field; text: string } {
  const e = body?.error ?? {};
  const path = e.details?.[0]?.path ?? '';
  if (e.code === 'invalid_phone' || path === 'phone') return { field: 'phone', text: WRONG_PHONE };
  if (path === 'at')
    return { field: 'at', text: 'Giờ trên máy không đúng. Hãy chỉnh lại đồng hồ rồi thử lại.' };
  if (path === 'companions')
    return { field: 'companions', text: `Số người đi cùng phải từ 0 đến ${MAX_COMPANIONS}.` };
  if (path === 'card' || e.code === 'unknown_card')
    return { field: 'card', text: 'Thẻ này không có trong hệ thống hoặc đã hết hạn.' };
  if (e.code === 'unknown_checkpoint')
    return { field: 'code', text: 'Không tìm thấy điểm kiểm soát này: mã đã được đổi hoặc điểm đã đóng.' };
  if (e.code === 'idempotency_conflict')
    return { field: '', text: 'Lượt này trùng mã với một lượt khác. Hãy bấm lại.' };
  if (status === 401) {
    return {
      field: 'token',
      text: 'Mã truy cập của quản lý đã hết hạn hoặc không đúng. Hãy mở lại đường liên kết mới.',
    };
  }
  if (status === 403) {
    return {
      field: 'token',
      text: 'Mã truy cập này không có quyền ghi ở điểm kiểm soát này (thuộc đơn vị khác).',
    };
  }
  return { field: '', text: `Không ghi nhận được (lỗi ${e.code || status}). Hãy thử lại.` };
}

/** The server could not take it now: keep it on the device and send it later. */
export const retryable = (status: number) => status >= 500 || status === 429 || status === 408;

/** POST JSON. Resolves {status, body}; rejects when the request never got an answer (offline, timeout). */
export function postJson<T>(
  url: string,
  payload: unknown,
  headers?: Record<string, string>,
): Promise<Answer<T>> {
  const ctrl = window.AbortController ? new AbortController() : null;
  const timer = ctrl ? setTimeout(() => ctrl.abort(), 15_000) : 0;
  const init: RequestInit = {
    method: 'POST',
    // Not an object spread: lowered for ES2017 it would bring a kilobyte of helpers into every page.
    headers: Object.assign({ 'content-type': 'application/json' }, headers),
    body: JSON.stringify(payload),
  };
  if (ctrl) init.signal = ctrl.signal;
  return fetch(url, init).then(
    (r) =>
      r.text().then((t) => {
        clearTimeout(timer);
        let body: T | null = null;
        try {
          body = t ? (JSON.parse(t) as T) : null;
        } catch {
          body = null;
        }
        return { status: r.status, body };
      }),
    (err: unknown) => {
      clearTimeout(timer);
      throw err;
    },
  );
}

export function getJson<T>(url: string, headers?: Record<string, string>): Promise<Answer<T>> {
  return fetch(url, headers ? { headers } : undefined).then((r) =>
    r.json().then(
      (b: T) => ({ status: r.status, body: b }),
      () => ({ status: r.status, body: null }),
    ),
  );
}
