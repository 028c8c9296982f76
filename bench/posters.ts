/**
 * Poster rendering: time per poster and peak memory while n posters stream into a Writable that only counts
 * bytes, as an upload would take them. Memory must not grow with n (the writer draws a page only when the reader
 * has taken the previous ones): compare the peaks at n and 10 × n.
 *
 *   node --import tsx bench/posters.ts [n]
 *
 * prints the figures as JSON and writes one poster as bench/out/poster.pdf and, when poppler's pdftoppm is
 * installed, bench/out/poster.png (bench/out is git-ignored) to look at.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type PosterCheckpoint, renderPosterPdf, writePosters } from '../src/render/poster.ts';

const BASE = 'https://vaora.quangninh.gov.vn';
const ALPHABET = '23456789BCDFGHJKMNPQRSTVWXZ';
const OUT = fileURLToPath(new URL('./out/', import.meta.url));
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** A checkpoint with a distinct code and name, as a commune's would be. */
function checkpoint(i: number): PosterCheckpoint {
  let code = '';
  for (let n = i, k = 0; k < 8; k++, n = Math.floor(n / ALPHABET.length))
    code += ALPHABET[n % ALPHABET.length];
  return {
    code,
    name: `Cửa hàng tạp hoá số ${i + 1} - Thôn ${(i % 12) + 1}`,
    unitName: `Xã Quảng ${['Long', 'Minh', 'Phong', 'Sơn', 'Thành', 'Thịnh'][i % 6]}`,
  };
}

export interface PosterBench {
  checkpoints: number;
  ms: number;
  msPerPoster: number;
  peakRssMb: number;
  baselineRssMb: number;
  bytes: number;
}

export async function benchPosters(n = 200): Promise<PosterBench> {
  // Warm up (fonts parsed, code paths compiled) so the figures are the steady state, not the first pages' JIT.
  await renderPosterPdf(
    Array.from({ length: 30 }, (_, i) => checkpoint(n + i)),
    { copies: 1, publicBaseUrl: BASE },
  );
  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let bytes = 0;
  const counter = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      setImmediate(done);
    },
  });
  const started = performance.now();
  const result = await writePosters(
    (function* () {
      for (let i = 0; i < n; i++) yield checkpoint(i);
    })(),
    counter,
    {
      copies: 1,
      publicBaseUrl: BASE,
      onPage: () => {
        peak = Math.max(peak, process.memoryUsage().rss);
      },
    },
  );
  const ms = performance.now() - started;
  peak = Math.max(peak, process.memoryUsage().rss);
  return {
    checkpoints: result.checkpoints,
    ms: Math.round(ms),
    msPerPoster: Math.round((ms / result.pages) * 100) / 100,
    peakRssMb: mb(peak),
    baselineRssMb: mb(baseline),
    bytes,
  };
}

/** One poster as PDF and, with pdftoppm, PNG (150 DPI) in bench/out/. */
export async function savePoster(): Promise<string[]> {
  mkdirSync(OUT, { recursive: true });
  const pdf = join(OUT, 'poster.pdf');
  writeFileSync(
    pdf,
    await renderPosterPdf(
      [{ code: 'BCDF2345', name: 'Chợ Quảng Hà - Khu 3, Thị trấn Quảng Hà', unitName: 'Thị trấn Quảng Hà' }],
      { copies: 1, publicBaseUrl: BASE },
    ),
  );
  try {
    execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile', pdf, join(OUT, 'poster')]);
    return [pdf, join(OUT, 'poster.png')];
  } catch {
    return [pdf];
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 200);
  // `--line`: one run, one JSON line (what bench/run.ts reads).
  if (process.argv.includes('--line')) {
    console.log(JSON.stringify(await benchPosters(n)));
    process.exit(0);
  }
  const small = await benchPosters(n);
  const large = await benchPosters(10 * n);
  console.log(JSON.stringify({ [n]: small, [10 * n]: large, files: await savePoster() }, null, 2));
}
