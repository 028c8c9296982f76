import { describe, expect, it } from 'vitest';
import { benchConsole, CONSOLE_JS_BUDGET_BYTES } from '../../bench/console.ts';

describe('the staff console bundle', () => {
  it('keeps the first screen under 150 KB of gzipped JavaScript, loaded from files only', async () => {
    const weight = await benchConsole();
    // A page that names no script would pass any budget: it must name the console's own bundle.
    expect(weight.files.some((f) => /^assets\/index-[\w-]+\.js$/.test(f.path))).toBe(true);
    expect(weight.jsGzipBytes).toBeGreaterThan(1024);
    expect(weight.jsGzipBytes).toBeLessThanOrEqual(CONSOLE_JS_BUDGET_BYTES);
  }, 60_000);
});
