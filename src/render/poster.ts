import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { checkinUrl } from '../core/checkpoints.ts';
import { loadPosterFonts } from './fonts.ts';

/**
 * Printable check-in posters: one A4 page per checkpoint and copy, the QR drawn as vector squares (sharp at any
 * size, a few kilobytes a page), the typeable code under it, the checkpoint's name and unit, and three steps in
 * Vietnamese. Many posters go into one PDF that is written out page by page: a page's bytes leave the writer
 * before the next page is drawn, and the next page is drawn only when the reader asks for more, so memory does
 * not grow with the number of pages (bench/posters.ts measures it).
 */

/** What a poster shows of a checkpoint (a Checkpoint has these fields). */
export interface PosterCheckpoint {
  code: string;
  name: string;
  unitName: string;
}

export interface PosterOptions {
  /** Pages per checkpoint: a checkpoint often has several gates. */
  copies: number;
  /** Base of the check-in URL in the QR and of the address printed for typing the code. */
  publicBaseUrl: string;
  /** The document title (PDF metadata). */
  title?: string;
  /** Called after each page is drawn, with the number of pages so far. */
  onPage?: (pages: number) => void;
}

export interface PosterResult {
  pages: number;
  checkpoints: number;
}

export const MAX_POSTER_COPIES = 20;

const PT_PER_CM = 72 / 2.54;
const A4 = { width: 595.28, height: 841.89 } as const;
const MARGIN = 36;
const CONTENT_WIDTH = A4.width - 2 * MARGIN;
const COLORS = {
  brand: '#0b4f8a',
  kicker: '#cfe0f5',
  ink: '#111827',
  muted: '#4b5563',
  rule: '#d1d5db',
  panel: '#eef3f9',
  in: '#0a7d32',
  out: '#b3261e',
} as const;

/** The page's geometry, in PDF points (1/72 inch), for the tests and anyone laying out a variant. */
export const POSTER_LAYOUT = {
  page: A4,
  /** Side of the QR symbol itself (its modules; the white around it is the quiet zone): 15.2 cm. */
  qrSide: 15.2 * PT_PER_CM,
  qrTop: 130,
  header: { top: 24, height: 76 },
} as const;

/** The poster's words. `{base}` and `{code}` are filled per checkpoint. */
export const POSTER_TEXT = {
  kicker: 'ĐIỂM KIỂM SOÁT DỊCH',
  title: 'QUÉT MÃ QR ĐỂ KHAI BÁO VÀO / RA',
  codeLabel: 'MÃ ĐIỂM',
  unitLabel: 'Đơn vị: ',
  steps: [
    'Mở camera điện thoại và quét mã QR ở trên để khai báo khi đi vào và khi đi ra.',
    'Không quét được? Mở trình duyệt, vào {base} và nhập mã {code}.',
    'Nhập số điện thoại, rồi nhấn Vào khi đi vào hoặc Ra khi đi ra.',
  ],
  copy: 'Bản {n}/{of}',
} as const;

/** The code as printed for reading aloud and typing: groups of four, `BCDF2345` → `BCDF 2345`. */
export function groupCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1 ');
}

/** Where a person types a code by hand: `<public base URL>/c`. */
export function typingUrl(publicBaseUrl: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/c`;
}

// Read once per process (a Lambda's cold start): a bundle without its fonts fails here, loudly.
const FONTS = loadPosterFonts();

/**
 * The PDF of the posters, as chunks of bytes: each `next()` draws the next page and hands out what the
 * document has written so far. Nothing is drawn ahead of the reader.
 */
export async function* posterChunks(
  checkpoints: AsyncIterable<PosterCheckpoint> | Iterable<PosterCheckpoint>,
  options: PosterOptions,
  result: PosterResult = { pages: 0, checkpoints: 0 },
): AsyncGenerator<Buffer> {
  const { copies } = options;
  if (!Number.isInteger(copies) || copies < 1 || copies > MAX_POSTER_COPIES) {
    throw new RangeError(`copies must be a whole number from 1 to ${MAX_POSTER_COPIES}`);
  }
  const doc = new PDFDocument({
    size: [A4.width, A4.height],
    margin: 0,
    autoFirstPage: false,
    // No built-in font: its metrics file is not in a Lambda bundle, and it cannot show Vietnamese anyway.
    font: null as unknown as string,
    lang: 'vi-VN',
    displayTitle: true,
    info: { Title: options.title ?? 'Poster điểm kiểm soát', Creator: 'vaora' },
  });
  doc.registerFont('regular', FONTS.regular);
  doc.registerFont('bold', FONTS.bold);

  for await (const checkpoint of checkpoints) {
    result.checkpoints++;
    const poster = preparePoster(checkpoint, options.publicBaseUrl);
    for (let copy = 1; copy <= copies; copy++) {
      doc.addPage();
      drawPoster(doc, poster, copies > 1 ? { n: copy, of: copies } : undefined);
      result.pages++;
      options.onPage?.(result.pages);
      // pdfkit writes a page out when the next one begins: this hands out the previous page's bytes.
      yield* written(doc);
    }
  }
  if (result.pages === 0) throw new RangeError('There is no checkpoint to make a poster of');
  doc.end();
  yield* written(doc);
}

/** Everything the document has written and nobody has read yet (pdfkit writes synchronously). */
function* written(doc: PDFKit.PDFDocument): Generator<Buffer> {
  for (let chunk: Buffer | null = doc.read(); chunk !== null; chunk = doc.read()) yield chunk;
}

/** The posters as a byte stream, for an upload (S3) or any other pipe. */
export function posterStream(
  checkpoints: AsyncIterable<PosterCheckpoint> | Iterable<PosterCheckpoint>,
  options: PosterOptions,
  result?: PosterResult,
): Readable {
  return Readable.from(posterChunks(checkpoints, options, result), { objectMode: false });
}

/** Streams the posters into `out` (which is ended), with backpressure; resolves when `out` has finished. */
export async function writePosters(
  checkpoints: AsyncIterable<PosterCheckpoint> | Iterable<PosterCheckpoint>,
  out: Writable,
  options: PosterOptions,
): Promise<PosterResult> {
  const result: PosterResult = { pages: 0, checkpoints: 0 };
  await pipeline(posterStream(checkpoints, options, result), out);
  return result;
}

/** A small PDF in memory: a single checkpoint's posters, for an HTTP response. */
export async function renderPosterPdf(
  checkpoints: AsyncIterable<PosterCheckpoint> | Iterable<PosterCheckpoint>,
  options: PosterOptions,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of posterChunks(checkpoints, options)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

interface PreparedPoster {
  code: string;
  name: string;
  unitName: string;
  url: string;
  typingUrl: string;
  /** The QR's modules, row by row: `size` × `size`, 1 = dark. */
  modules: { size: number; data: Uint8Array };
}

function preparePoster(checkpoint: PosterCheckpoint, publicBaseUrl: string): PreparedPoster {
  const url = checkinUrl(publicBaseUrl, checkpoint.code);
  // Error correction M, as the QR images (src/render/qr.ts): survives a scuffed or partly covered poster.
  const qr = QRCode.create(url, { errorCorrectionLevel: 'M' });
  return {
    code: checkpoint.code,
    // Names typed on another keyboard may come decomposed: the font's Vietnamese glyphs are the composed ones.
    name: checkpoint.name.normalize('NFC').replace(/\s+/g, ' ').trim(),
    unitName: checkpoint.unitName.normalize('NFC').replace(/\s+/g, ' ').trim(),
    url,
    typingUrl: typingUrl(publicBaseUrl),
    modules: { size: qr.modules.size, data: qr.modules.data },
  };
}

function drawPoster(doc: PDFKit.PDFDocument, poster: PreparedPoster, copy?: { n: number; of: number }) {
  drawHeader(doc);
  const qrBottom = drawQr(doc, poster.modules);
  const codeBottom = drawCode(doc, poster.code, qrBottom + 22);
  const footerTop = drawFooter(doc, poster, copy);
  const stepsTop = drawSteps(doc, poster, footerTop - 10);
  drawNameAndUnit(doc, poster, codeBottom + 8, stepsTop - 8);
}

function drawHeader(doc: PDFKit.PDFDocument) {
  const { top, height } = POSTER_LAYOUT.header;
  doc.roundedRect(MARGIN, top, CONTENT_WIDTH, height, 10).fillColor(COLORS.brand).fill();
  doc.font('bold').fontSize(10).fillColor(COLORS.kicker);
  doc.text(POSTER_TEXT.kicker, MARGIN, top + 13, {
    width: CONTENT_WIDTH,
    align: 'center',
    characterSpacing: 1.5,
    lineBreak: false,
  });
  doc.font('bold');
  const size = fitFontSize(doc, POSTER_TEXT.title, CONTENT_WIDTH - 40, 28);
  doc.fontSize(size).fillColor('#ffffff');
  doc.text(POSTER_TEXT.title, MARGIN, top + 30 + (28 - size) / 2, {
    width: CONTENT_WIDTH,
    align: 'center',
    lineBreak: false,
  });
}

/** Draws the QR centred under the header; returns the y of its bottom edge. */
function drawQr(doc: PDFKit.PDFDocument, modules: PreparedPoster['modules']): number {
  const side = POSTER_LAYOUT.qrSide;
  drawQrModules(doc, modules, (A4.width - side) / 2, POSTER_LAYOUT.qrTop, side);
  return POSTER_LAYOUT.qrTop + side;
}

/** A QR symbol's modules as vector squares, `side` points wide with its top left corner at (x0, y0). */
export function drawQrModules(
  doc: PDFKit.PDFDocument,
  modules: { size: number; data: Uint8Array },
  x0: number,
  y0: number,
  side: number,
): void {
  const step = side / modules.size;
  // One rectangle per horizontal run of dark modules, all in one path filled once: no seams between modules.
  for (let row = 0; row < modules.size; row++) {
    let col = 0;
    while (col < modules.size) {
      if (!modules.data[row * modules.size + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < modules.size && modules.data[row * modules.size + col]) col++;
      doc.rect(x0 + start * step, y0 + row * step, (col - start) * step, step);
    }
  }
  doc.fillColor('#000000').fill('nonzero');
}

/** The code, for a camera that fails: grouped, big, in a box with its label. Returns the box's bottom. */
function drawCode(doc: PDFKit.PDFDocument, rawCode: string, top: number): number {
  const code = groupCode(rawCode);
  const height = 46;
  const gap = 14;
  const padding = 20;
  doc.font('bold').fontSize(9).fillColor(COLORS.muted);
  const labelWidth = doc.widthOfString(POSTER_TEXT.codeLabel, { characterSpacing: 0.6 });
  doc.fontSize(30);
  const codeWidth = doc.widthOfString(code, { characterSpacing: 2 });
  const width = padding + labelWidth + gap + codeWidth + padding;
  const x = (A4.width - width) / 2;
  doc.roundedRect(x, top, width, height, 8).lineWidth(1.5).strokeColor(COLORS.ink).stroke();
  doc.font('bold').fontSize(9).fillColor(COLORS.muted);
  doc.text(POSTER_TEXT.codeLabel, x + padding, top + 18, { characterSpacing: 0.6, lineBreak: false });
  doc.fontSize(30).fillColor(COLORS.ink);
  doc.text(code, x + padding + labelWidth + gap, top + 5, { characterSpacing: 2, lineBreak: false });
  return top + height;
}

/** The checkpoint's name (two lines at most) and its unit, centred between `top` and `bottom`. */
function drawNameAndUnit(doc: PDFKit.PDFDocument, poster: PreparedPoster, top: number, bottom: number) {
  const nameSize = 15;
  const unitSize = 11;
  const gap = 3;
  doc.font('bold').fontSize(nameSize);
  const nameLine = doc.currentLineHeight(true) + 1;
  doc.font('regular').fontSize(unitSize);
  const unitLine = doc.currentLineHeight(true);
  // Two lines for the name when the steps leave room for them, otherwise one.
  const nameLines = bottom - top >= 2 * nameLine + gap + unitLine ? 2 : 1;
  doc.font('bold').fontSize(nameSize);
  const name = clampLines(doc, poster.name, CONTENT_WIDTH, nameLines);
  const used = name.split('\n').length * nameLine + gap + unitLine;
  const y = top + Math.max(0, (bottom - top - used) / 2);
  doc.fillColor(COLORS.ink).text(name, MARGIN, y, { width: CONTENT_WIDTH, align: 'center', lineGap: 1 });
  doc.font('regular').fontSize(unitSize).fillColor(COLORS.muted);
  const unit = clampLines(doc, `${POSTER_TEXT.unitLabel}${poster.unitName}`, CONTENT_WIDTH, 1);
  doc.text(unit, MARGIN, y + used - unitLine, { width: CONTENT_WIDTH, align: 'center', lineBreak: false });
}

/** The three numbered steps in a panel that ends at `bottom`; returns the panel's top. */
function drawSteps(doc: PDFKit.PDFDocument, poster: PreparedPoster, bottom: number): number {
  const code = groupCode(poster.code);
  const [scan, type, press] = POSTER_TEXT.steps;
  const [typeBefore = '', typeRest = ''] = type.split('{base}');
  const [typeMiddle = '', typeAfter = ''] = typeRest.split('{code}');
  const [pressBefore = '', pressRest = ''] = press.split('Vào');
  const [pressMiddle = '', pressAfter = ''] = pressRest.split('Ra');
  type Run = { text: string; font?: 'regular' | 'bold'; color?: string };
  const steps: Run[][] = [
    [{ text: scan }],
    [
      { text: typeBefore },
      { text: poster.typingUrl, font: 'bold' },
      { text: typeMiddle },
      // A no-break space inside the code: the line may wrap before it, never through it.
      { text: code.replace(/ /g, '\u00a0'), font: 'bold' },
      { text: typeAfter },
    ],
    [
      { text: pressBefore },
      { text: 'Vào', font: 'bold', color: COLORS.in },
      { text: pressMiddle },
      { text: 'Ra', font: 'bold', color: COLORS.out },
      { text: pressAfter },
    ],
  ];

  const size = 10.5;
  const textX = MARGIN + 44;
  const textWidth = CONTENT_WIDTH - 44 - 16;
  const rowGap = 7;
  const padding = 11;
  // Measured in bold, the wider face: a row never needs more room than this.
  doc.font('bold').fontSize(size);
  const heights = steps.map((runs) =>
    doc.heightOfString(runs.map((r) => r.text).join(''), { width: textWidth, lineGap: 1 }),
  );
  const panelHeight = heights.reduce((sum, h) => sum + h, 0) + rowGap * (steps.length - 1) + 2 * padding;
  const panelTop = bottom - panelHeight;
  doc.roundedRect(MARGIN, panelTop, CONTENT_WIDTH, panelHeight, 8).fillColor(COLORS.panel).fill();

  let y = panelTop + padding;
  steps.forEach((runs, index) => {
    const lineCentre = y + size * 0.62;
    doc
      .circle(MARGIN + 24, lineCentre, 9)
      .fillColor(COLORS.brand)
      .fill();
    doc.font('bold').fontSize(10).fillColor('#ffffff');
    doc.text(String(index + 1), MARGIN + 15, lineCentre - 6.2, {
      width: 18,
      align: 'center',
      lineBreak: false,
    });
    doc.fontSize(size);
    runs.forEach((run, i) => {
      doc.font(run.font ?? 'regular').fillColor(run.color ?? COLORS.ink);
      const options = { width: textWidth, lineGap: 1, continued: i < runs.length - 1 };
      if (i === 0) doc.text(run.text, textX, y, options);
      else doc.text(run.text, options);
    });
    y += (heights[index] ?? 0) + rowGap;
  });
  return panelTop;
}

/** A thin rule, the URL in the QR and the copy's number, at the foot of the page; returns the rule's y. */
function drawFooter(
  doc: PDFKit.PDFDocument,
  poster: PreparedPoster,
  copy?: { n: number; of: number },
): number {
  const y = A4.height - 26;
  const rule = y - 6;
  doc
    .moveTo(MARGIN, rule)
    .lineTo(A4.width - MARGIN, rule)
    .lineWidth(0.5)
    .strokeColor(COLORS.rule)
    .stroke();
  doc.font('regular').fontSize(8).fillColor(COLORS.muted);
  doc.text(poster.url, MARGIN, y, { width: CONTENT_WIDTH - 80, lineBreak: false });
  if (copy) {
    const label = POSTER_TEXT.copy.replace('{n}', String(copy.n)).replace('{of}', String(copy.of));
    doc.text(label, A4.width - MARGIN - 80, y, { width: 80, align: 'right', lineBreak: false });
  }
  return rule;
}

/**
 * `text` wrapped at spaces into at most `maxLines` lines of `width` in the current font, the last one cut (at a
 * word where it can) with an ellipsis when the text is longer: a name can be long, the poster's room is not.
 */
export function clampLines(doc: PDFKit.PDFDocument, text: string, width: number, maxLines: number): string {
  const fits = (line: string) => doc.widthOfString(line) <= width;
  const lines: string[] = [];
  let line = '';
  let cut = false;
  for (const word of text.split(' ')) {
    const candidate = line ? `${line} ${word}` : word;
    if (fits(candidate) || !line) {
      line = candidate;
      continue;
    }
    lines.push(line);
    line = word;
    if (lines.length === maxLines) {
      cut = true;
      break;
    }
  }
  if (!cut) lines.push(line);
  const last = lines.length - 1;
  if (cut || !fits(lines[last]!)) {
    let shortened = lines[last]!;
    while (shortened.includes(' ') && !fits(`${shortened}…`))
      shortened = shortened.slice(0, shortened.lastIndexOf(' '));
    while (shortened && !fits(`${shortened}…`)) shortened = shortened.slice(0, -1);
    lines[last] = `${shortened.replace(/[\s,.;:–-]+$/, '')}…`;
  }
  return lines.join('\n');
}

/** The largest size up to `max` at which `text` fits in `width` with the current font. */
function fitFontSize(doc: PDFKit.PDFDocument, text: string, width: number, max: number): number {
  let size = max;
  while (size > 12 && doc.fontSize(size).widthOfString(text) > width) size -= 0.5;
  return size;
}
