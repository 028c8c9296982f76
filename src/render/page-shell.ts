import type { BuiltPage } from './built-pages.js';

/**
 * The shell of the pages people scan (/c/<code>, /c, /g/<code>): the markup around a page's body, with its script
 * and style inline as pages/build.ts built them from pages/src. Inline, so the page needs nothing from elsewhere
 * and opens from one response (and from the service worker's copy offline); pinned by their SHA-256 (computed at
 * build time from the very text inlined) in a Content-Security-Policy, so nothing else can run on a page that keeps
 * a staff token in localStorage.
 *
 * `policy` is what the page's response must also send as a header: the same policy, plus `frame-ancestors`, which a
 * meta tag cannot carry (a framed check-in page could be dressed up to collect phone numbers, or clicked through).
 */
export function pageShell(page: { title: string; built: BuiltPage }): {
  html: (body: string) => string;
  policy: string;
} {
  const { script, style, scriptHash, styleHash } = page.built;
  const policy = [
    "default-src 'none'",
    `script-src ${scriptHash}`,
    `style-src ${styleHash}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob: mediastream:",
    "worker-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
  const html = (body: string) => `<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${page.title}</title>
<style>${style}</style></head>
<body>
${body}
<noscript><p class="banner">Trang này cần bật JavaScript.</p></noscript>
<script>${script}</script>
</body></html>
`;
  return { html, policy: `${policy}; frame-ancestors 'none'` };
}
