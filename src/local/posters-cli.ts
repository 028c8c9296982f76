import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { type PosterCheckpoint, writePosters } from '../render/poster.ts';

/** Checkpoints per listing request. */
const PAGE_SIZE = 100;

export interface PosterDownloadOptions {
  /** The API's base URL, e.g. http://127.0.0.1:3000 or the province's HTTP API URL. */
  url: string;
  /** A staff bearer token that reaches the unit. */
  token: string;
  unitId: string;
  copies: number;
  /** The PDF to write; written beside it first and renamed when complete, so a failure leaves no half file. */
  out: string;
  /** Show a progress bar on stderr (default: yes, when stderr is a terminal). */
  progress?: boolean;
}

export interface PosterDownload {
  checkpoints: number;
  pages: number;
  file: string;
}

interface ListedCheckpoint {
  code: string;
  name: string;
  active: boolean;
  /** `<public base URL>/c/<code>`: the posters print exactly the URL the API gives out. */
  qrUrl: string;
}

/**
 * `vaora posters`: every active checkpoint of a unit as printable posters in one PDF file. It pages through
 * `GET /v1/units/{unitId}/checkpoints?active=true` and draws each page as the listing arrives, streaming it to
 * the file (src/render/poster.ts), so neither the list nor the PDF is ever whole in memory.
 */
export async function downloadPosters(options: PosterDownloadOptions): Promise<PosterDownload> {
  const api = apiClient(options.url, options.token);
  // Both asked before the file is opened: a bad token, unit or scope fails here, with the API's message.
  const unit = (await api.get(`/v1/units/${encodeURIComponent(options.unitId)}`)) as { name: string };
  const listPath = (nextToken?: string) =>
    `/v1/units/${encodeURIComponent(options.unitId)}/checkpoints?active=true&limit=${PAGE_SIZE}` +
    (nextToken ? `&nextToken=${encodeURIComponent(nextToken)}` : '');
  const list = async (nextToken?: string) => {
    const page = (await api.get(listPath(nextToken))) as { items: ListedCheckpoint[]; nextToken?: string };
    return { items: page.items.filter((item) => item.active), nextToken: page.nextToken };
  };
  // Up to the first page with an active checkpoint (a store may page before it filters): its QR URL gives
  // the public base URL the posters print.
  let first = await list();
  while (first.items.length === 0 && first.nextToken) first = await list(first.nextToken);
  if (!first.items[0]) throw new Error(`Unit ${options.unitId} has no active checkpoint to print`);
  const publicBaseUrl = baseOf(first.items[0]);

  const showBar = options.progress ?? process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar(
    { format: `Posters of ${options.unitId} {bar} {value}/{total} pages`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  let known = first.items.length;
  if (showBar) bar.start(known * options.copies, 0);

  async function* checkpoints(): AsyncGenerator<PosterCheckpoint> {
    for (let page = first; ; ) {
      for (const item of page.items) yield { code: item.code, name: item.name, unitName: unit.name };
      if (!page.nextToken) return;
      page = await list(page.nextToken);
      known += page.items.length;
      // The total grows as the listing arrives: the unit's size is not known before.
      if (showBar) bar.setTotal(known * options.copies);
    }
  }

  const partial = `${options.out}.part`;
  try {
    const result = await writePosters(checkpoints(), createWriteStream(partial), {
      copies: options.copies,
      publicBaseUrl,
      title: `Poster điểm kiểm soát — ${unit.name}`,
      onPage: (pages) => {
        if (showBar) bar.update(pages);
      },
    });
    await rename(partial, options.out);
    return { ...result, file: options.out };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  } finally {
    if (showBar) bar.stop();
  }
}

/** The public base URL inside a listed checkpoint's `qrUrl`. */
function baseOf(item: ListedCheckpoint): string {
  const suffix = `/c/${item.code}`;
  if (!item.qrUrl.endsWith(suffix)) throw new Error(`Unexpected qrUrl ${item.qrUrl} for code ${item.code}`);
  return item.qrUrl.slice(0, -suffix.length);
}

function apiClient(baseUrl: string, token: string) {
  return {
    async get(path: string): Promise<unknown> {
      const res = await fetch(`${baseUrl.replace(/\/+$/, '')}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await res.json().catch(() => ({}))) as { error?: { message?: string }; message?: string };
      if (!res.ok) {
        throw new Error(`GET ${path} answered ${res.status}: ${body.error?.message ?? body.message ?? ''}`);
      }
      return body;
    },
  };
}
