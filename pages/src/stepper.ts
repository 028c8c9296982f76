import { MAX_COMPANIONS } from '../../src/core/limits.ts';

export interface Stepper {
  get(): number;
  reset(): void;
}

/** A stepper for companions (0 to MAX_COMPANIONS), from `initial` (anything but a count starts at 0). */
export function stepper(
  less: HTMLButtonElement,
  more: HTMLButtonElement,
  out: HTMLElement,
  onChange?: (n: number) => void,
  initial?: unknown,
): Stepper {
  let n = 0;
  const set = (v: number) => {
    n = Math.max(0, Math.min(MAX_COMPANIONS, v));
    out.textContent = String(n);
    less.disabled = n === 0;
    more.disabled = n === MAX_COMPANIONS;
    if (onChange) onChange(n);
  };
  less.addEventListener('click', () => set(n - 1));
  more.addEventListener('click', () => set(n + 1));
  set(typeof initial === 'number' && Number.isFinite(initial) ? Math.round(initial) : 0);
  return { get: () => n, reset: () => set(0) };
}
