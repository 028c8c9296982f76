/**
 * (o) The weight of the pages people scan: what a phone downloads for the check-in page (/c/<code>), the code form
 * (/c), the gate page (/g/<code>) and the service worker (/sw.js), raw and gzipped at level 9. Each page's script and
 * style are inline, so the document is the whole page; its script and style are also given on their own. Rendered by
 * the same functions the handler calls (functions/checkin-page.ts), from the pages built now. Runnable alone:
 * `node --import tsx bench/pages.ts` prints one JSON line. bench/pages-before.json holds the figures of the pages
 * as template strings, bench/pages-after.json those of the pages built from pages/src.
 */
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildPages } from '../pages/build.ts';

export interface Weight {
  bytes: number;
  gzipBytes: number;
}

export interface PageWeight {
  path: string;
  /** The whole document (its inline script and style included). */
  html: Weight;
  script: Weight;
  style: Weight;
}

export interface PagesWeight {
  pages: PageWeight[];
  serviceWorker: Weight;
}

const weigh = (text: string): Weight => {
  const body = Buffer.from(text, 'utf8');
  return { bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
};

/** The text between `<tag>` and `</tag>` (each page has exactly one inline script and one style). */
function inline(html: string, tag: 'script' | 'style'): string {
  const found = [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))];
  if (found.length !== 1) throw new Error(`expected one inline <${tag}>, found ${found.length}`);
  return found[0]![1]!;
}

export async function benchPages(): Promise<PagesWeight> {
  // Built now, so the figures are this checkout's whatever src/render/built-pages.js held.
  await buildPages();
  const { checkinPage } = await import('../src/render/checkin-page.ts');
  const { gatePage } = await import('../src/render/gate-page.ts');
  const { SERVICE_WORKER } = await import('../src/render/built-pages.js');
  const rendered = [
    { path: '/c/BCDF2345', html: checkinPage('BCDF2345', 28) },
    { path: '/c', html: checkinPage('', 28) },
    { path: '/g/BCDF2345', html: gatePage('BCDF2345') },
  ];
  return {
    pages: rendered.map(({ path, html }) => ({
      path,
      html: weigh(html),
      script: weigh(inline(html, 'script')),
      style: weigh(inline(html, 'style')),
    })),
    serviceWorker: weigh(SERVICE_WORKER),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchPages()));
}
