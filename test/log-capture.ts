import { vi } from 'vitest';

/**
 * What the functions log while it runs: Powertools' Logger writes JSON lines straight to process.stdout and
 * process.stderr (errors), not through `console`, so both streams are captured (and kept off the test output).
 */
export function captureLogs(): {
  text: () => string;
  lines: () => Record<string, unknown>[];
  restore: () => void;
} {
  const written: string[] = [];
  const keep = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  return {
    text: () => written.join(''),
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line)),
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}
