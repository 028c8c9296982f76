import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CODE_ALPHABET, MAX_COMPANIONS, TIME_ZONE, UTC_OFFSET_MINUTES } from '../../src/core/limits.ts';
import { CHECKIN_PAGE, GATE_PAGE, SERVICE_WORKER } from '../../src/render/built-pages.js';
import { CHECKIN_PAGE_POLICY, checkinPage } from '../../src/render/checkin-page.ts';
import { GATE_PAGE_POLICY, gatePage } from '../../src/render/gate-page.ts';

/**
 * The pages people scan as the server renders them from the pages built out of pages/src (src/render/built-pages.js,
 * built by test/pages-setup.ts when missing). What they do in a browser is test/browser's.
 */
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const only = (html: string, tag: string) => {
  const found = [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!);
  expect(found).toHaveLength(1);
  return found[0]!;
};

describe.each([
  { page: '/c/<code>', html: checkinPage('BCDF2345', 28), policy: CHECKIN_PAGE_POLICY },
  { page: '/c', html: checkinPage('', 28), policy: CHECKIN_PAGE_POLICY },
  { page: '/g/<code>', html: gatePage('BCDF2345'), policy: GATE_PAGE_POLICY },
])('the page $page', ({ html, policy }) => {
  it('pins its one inline script and its one style by their SHA-256, and allows nothing else to run', () => {
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!;
    expect(policy).toBe(`${meta}; frame-ancestors 'none'`);
    const directives = Object.fromEntries(
      meta.split('; ').map((d) => [d.split(' ')[0], d.slice(d.indexOf(' ') + 1)]),
    );
    expect(directives['default-src']).toBe("'none'");
    expect(directives['script-src']).toBe(sha256(only(html, 'script')));
    expect(directives['style-src']).toBe(sha256(only(html, 'style')));
    expect(meta).not.toContain('unsafe');
  });

  it('loads nothing from elsewhere: no script, style, image or frame by URL', () => {
    expect(html).not.toMatch(/<script[^>]*\bsrc=/);
    expect(html).not.toMatch(/<link[^>]*rel="stylesheet"/);
    expect(html).not.toMatch(/\bsrc="(?!data:)/);
    expect(html).not.toMatch(/https?:\/\//);
  });
});

describe('the built pages', () => {
  it.each([
    ['check-in', CHECKIN_PAGE.script],
    ['gate', GATE_PAGE.script],
    ['service worker', SERVICE_WORKER],
  ])('%s script uses no syntax newer than ES2017 (old Android WebViews)', (_, script) => {
    // Optional chaining, nullish coalescing, a catch without binding, object spread: ES2018 to ES2020.
    expect(script).not.toMatch(/\?\.[A-Za-z_$[(]/);
    expect(script).not.toContain('??');
    expect(script).not.toMatch(/catch\s*\{/);
    expect(script).not.toMatch(/[{,]\s*\.\.\.[A-Za-z_$]/);
  });

  it('carry the server constants, not copies: the code alphabet and the companions limit', () => {
    for (const page of [CHECKIN_PAGE, GATE_PAGE]) {
      expect(page.script).toContain(CODE_ALPHABET);
      expect(page.script).toContain(`Số người đi cùng phải từ 0 đến ${MAX_COMPANIONS}.`);
    }
  });

  it('carry none of the server: no route table, no AWS', () => {
    for (const script of [CHECKIN_PAGE.script, GATE_PAGE.script, SERVICE_WORKER]) {
      expect(script).not.toMatch(/create-checkin-batch|arn:aws|node:/);
    }
  });
});

describe('the UTC offset the pages tell time by', () => {
  it('is the provinces’ zone offset, all year', () => {
    const offsetOf = (at: string) => {
      const parts = new Intl.DateTimeFormat('en-US', { timeZone: TIME_ZONE, timeZoneName: 'longOffset' })
        .formatToParts(new Date(at))
        .find((p) => p.type === 'timeZoneName')!.value;
      const [, sign, h, m] = /GMT([+-])(\d\d):(\d\d)/.exec(parts)!;
      return (sign === '-' ? -1 : 1) * (Number(h) * 60 + Number(m));
    };
    for (const at of ['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z', '2030-03-31T01:30:00Z']) {
      expect(offsetOf(at)).toBe(UTC_OFFSET_MINUTES);
    }
  });
});
