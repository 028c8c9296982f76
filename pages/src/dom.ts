/**
 * What the check-in page (/c/<code>) and the gate page (/g/<code>) share: small DOM helpers, the device's storage,
 * times in Vietnam, codes and phone numbers as typed, and the confirmation a guard reads.
 *
 * Built by pages/build.ts for old Android WebViews and small, slow phones (ES2017, no framework), and inlined into
 * each page, whose Content-Security-Policy pins it by its SHA-256 (src/render/page-shell.ts).
 */
import { CODE_ALPHABET, UTC_OFFSET_MINUTES } from '../../src/core/limits.ts';

/** The element with this id; the page's own markup (src/render/*-page.ts) holds every id asked for. */
export function $<E extends HTMLElement = HTMLElement>(id: string): E {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as E;
}

/** What the device stored under `key`, or `fallback` (nothing stored, storage disabled, or not JSON). */
export function load<T>(key: string, fallback: T): T {
  try {
    const v = localStorage.getItem(key);
    return v === null ? fallback : (JSON.parse(v) as T);
  } catch {
    return fallback;
  }
}

/** false when the device would not store it (storage full or disabled). */
export function save(key: string, value: unknown): boolean {
  try {
    localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}

/** A UUID v4. randomUUID exists only in secure contexts (https, localhost); getRandomValues everywhere. */
export function newId(): string {
  if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6]! & 15) | 64;
  b[8] = (b[8]! & 63) | 128;
  let h = '';
  for (let i = 0; i < 16; i++) {
    h += (b[i]! + 256).toString(16).slice(1) + (i === 3 || i === 5 || i === 7 || i === 9 ? '-' : '');
  }
  return h;
}

const pad = (n: number) => (n < 10 ? '0' : '') + n;
/** The instant moved to Vietnam's wall clock, read with the UTC getters: no reliance on the phone's zone data. */
const inVietnam = (iso: string) => new Date(new Date(iso).getTime() + UTC_OFFSET_MINUTES * 60_000);
/** HH:mm in Vietnam. */
export function localTime(iso: string): string {
  const d = inVietnam(iso);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
/** dd/MM in Vietnam. */
export function localDate(iso: string): string {
  const d = inVietnam(iso);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}`;
}

/** What a person typed, tolerant of case, spaces and dashes; '' when it cannot be a code of that length. */
export function normCode(text: unknown, length: number): string {
  const code = String(text || '')
    .toUpperCase()
    .replace(/[\s-]/g, '');
  if (code.length !== length) return '';
  for (let i = 0; i < code.length; i++) if (CODE_ALPHABET.indexOf(code.charAt(i)) < 0) return '';
  return code;
}
/** The raw segment after /c/ or /g/ in the page's own path (the page may be a copy served offline for another). */
export function pathSegment(): string {
  const seg = location.pathname.split('/')[2] || '';
  try {
    return decodeURIComponent(seg);
  } catch {
    return '';
  }
}
/** The code in the page's own path (/c/<code>, /g/<code>). */
export const pathCode = (length: number) => normCode(pathSegment(), length);

export const phoneDigits = (text: unknown) => String(text || '').replace(/[\s.()-]/g, '');
/** The shapes of a Vietnamese mobile number; the server checks the number itself. */
export const looksLikePhone = (text: unknown) => /^(\+?84|0)\d{9}$/.test(phoneDigits(text));
/** Everything but the last 3 characters hidden: enough for a guard, nothing for a shoulder-surfer. */
export function mask(text: unknown): string {
  const s = phoneDigits(text).replace(/^\+?84(\d{9})$/, '0$1');
  return s.slice(0, -3).replace(/./g, '\u2022') + s.slice(-3);
}

/** What a confirmation shows: one check-in, as the guard must read it. */
export interface Shown {
  id: string;
  direction: 'in' | 'out';
  at: string;
  place: string;
  who: string;
  companions: number;
  /** Only on the device so far. */
  queued?: boolean;
}

/** The confirmation a guard reads from a metre away: direction, time, place, who, and whether it is only on the phone. */
export function confirmation(el: HTMLElement, c: Shown): void {
  el.className = `confirm ${c.direction}${c.queued ? ' queued' : ''}`;
  el.setAttribute('data-id', c.id || '');
  el.textContent = '';
  const line = (cls: string, text: string) => {
    const d = document.createElement('div');
    d.className = cls;
    d.textContent = text;
    el.appendChild(d);
  };
  line('dir', `\u2714 ${c.direction === 'out' ? 'RA' : 'VÀO'}`);
  line('time', localTime(c.at));
  line('place', c.place);
  line('who', c.who + (c.companions > 0 ? ` + ${c.companions} người đi cùng` : ''));
  if (c.queued) line('note', 'Đã lưu trên máy, sẽ gửi khi có mạng');
  el.hidden = false;
  flash(el);
}

/**
 * The check-in `id` that waited on the device is now stored: if its confirmation is still on screen it must read
 * like any other, or the person (and the guard) would think it is still at risk and tap again. No flash: it is
 * the same check-in, not a new one.
 */
export function settle(el: HTMLElement, id: string): void {
  if (el.hidden || el.getAttribute('data-id') !== id || !el.classList.contains('queued')) return;
  el.classList.remove('queued');
  const note = el.querySelector('.note');
  if (note) el.removeChild(note);
}

export function showError(el: HTMLElement, text: string): void {
  el.removeAttribute('data-id');
  el.className = 'confirm error';
  el.textContent = `\u2716 ${text}`;
  el.hidden = false;
  flash(el);
}

/** Replays the arrival animation (a new confirmation must not look like the last one) and brings it into view. */
function flash(el: HTMLElement): void {
  el.classList.remove('flash');
  void el.offsetWidth;
  el.classList.add('flash');
  if (el.scrollIntoView) el.scrollIntoView({ block: 'nearest' });
}

/**
 * The message under a field: `show(text)` names what is wrong (`''` clears it) and takes the last confirmation off
 * the screen: a refused entry must not sit under the last person's green tick, or a guard glancing at it would let
 * them pass. Typing in the field clears the message.
 */
export function fieldMessage(
  input: HTMLInputElement,
  message: HTMLElement,
  result: HTMLElement,
): (text: string) => void {
  const show = (text: string) => {
    message.textContent = text;
    message.hidden = !text;
    if (text) result.hidden = true;
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  input.addEventListener('input', () => show(''));
  return show;
}
