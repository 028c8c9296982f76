import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { loadPosterFonts } from './fonts.ts';
import { drawQrModules } from './poster.ts';

/**
 * A personal QR card, the size of a bank card (ISO/IEC 7810 ID-1, 85.6 × 54 mm), to print, cut out and keep in a
 * wallet or a plastic sleeve on a lanyard. The QR holds only the card's code (what a gate's scanner types into
 * the staff page), printed under it too for staff to type. Nothing on the card names or numbers its holder but
 * the line the holder fills in by hand.
 */
export interface CardFace {
  /** The card's code (src/core/cards.ts), 10 characters. */
  code: string;
  /** The last day it works, dd/MM/yyyy. */
  validUntil: string;
  /** Who issued it: the province's name. */
  issuer: string;
}

const PT_PER_MM = 72 / 25.4;
/** ID-1, landscape, in PDF points. */
export const CARD_SIZE = { width: 85.6 * PT_PER_MM, height: 54 * PT_PER_MM } as const;
/** The QR symbol's side: 28 mm (a version-1 symbol's module is 1.3 mm), read at arm's length by a gate scanner. */
export const CARD_QR_SIDE = 28 * PT_PER_MM;
/** White around the QR, 4 modules as the standard asks: the blue band and the card's edge stay clear of it. */
const QUIET = 4 * (CARD_QR_SIDE / 21);

export const CARD_TEXT = {
  title: 'THẺ KHAI BÁO VÀO / RA',
  codeLabel: 'MÃ THẺ',
  holder: 'Họ tên:',
  validUntil: 'Có giá trị đến',
  howTo: 'Đưa thẻ cho nhân viên ở cổng quét mỗi khi vào và ra.',
} as const;

const BRAND = '#0b4f8a';
const INK = '#111827';
const MUTED = '#4b5563';

const FONTS = loadPosterFonts();

/** The card's code as printed: two groups of five, `BCDF2345GH` → `BCDF2 345GH`. */
export function groupCardCode(code: string): string {
  return code.replace(/^(.{5})(?=.)/, '$1 ');
}

/** One card, one page, in memory: a few kilobytes. */
export async function renderCardPdf(card: CardFace): Promise<Buffer> {
  const doc = new PDFDocument({
    size: [CARD_SIZE.width, CARD_SIZE.height],
    margin: 0,
    // No built-in font: its metrics file is not in a Lambda bundle, and it cannot show Vietnamese anyway.
    font: null as unknown as string,
    lang: 'vi-VN',
    displayTitle: true,
    info: { Title: 'Thẻ khai báo vào/ra', Creator: 'vaora' },
  });
  doc.registerFont('regular', FONTS.regular);
  doc.registerFont('bold', FONTS.bold);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  drawCard(doc, card);
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

function drawCard(doc: PDFKit.PDFDocument, card: CardFace) {
  const { width, height } = CARD_SIZE;
  const pad = 8;
  const band = 20;
  // A thin outline to cut along.
  doc
    .roundedRect(0.5, 0.5, width - 1, height - 1, 8)
    .lineWidth(0.5)
    .strokeColor('#9ca3af')
    .stroke();
  doc.save();
  doc.roundedRect(0.5, 0.5, width - 1, band, 8).clip();
  doc
    .rect(0, 0, width, band + 1)
    .fillColor(BRAND)
    .fill();
  doc.restore();
  doc
    .rect(0.5, band - 8, width - 1, 8.5)
    .fillColor(BRAND)
    .fill();
  doc.font('bold').fontSize(9).fillColor('#ffffff');
  doc.text(CARD_TEXT.title, pad, 6, { width: width - 2 * pad, align: 'center', lineBreak: false });

  // Error correction M, as on the posters: a scuffed card still scans.
  const qr = QRCode.create(card.code, { errorCorrectionLevel: 'M' });
  const qrTop = band + QUIET;
  drawQrModules(doc, qr.modules, QUIET, qrTop, CARD_QR_SIDE);

  const x = QUIET + CARD_QR_SIDE + QUIET;
  const w = width - x - pad;
  doc.font('bold').fontSize(6.5).fillColor(MUTED);
  doc.text(CARD_TEXT.codeLabel, x, qrTop + 2, { width: w, characterSpacing: 0.5, lineBreak: false });
  doc.font('bold').fontSize(11.5).fillColor(INK);
  doc.text(groupCardCode(card.code), x, qrTop + 11, { width: w, characterSpacing: 0.6, lineBreak: false });
  doc.font('regular').fontSize(7).fillColor(INK);
  doc.text(CARD_TEXT.holder, x, qrTop + 34, { width: w, lineBreak: false });
  const lineY = qrTop + 52;
  doc
    .moveTo(x, lineY)
    .lineTo(width - pad, lineY)
    .lineWidth(0.5)
    .strokeColor(MUTED)
    .stroke();
  doc.font('regular').fontSize(6.5).fillColor(MUTED);
  doc.text(`${CARD_TEXT.validUntil}: `, x, qrTop + 58, { continued: true, lineBreak: false });
  doc.font('bold').fillColor(INK).text(card.validUntil, { lineBreak: false });
  doc.font('regular').fontSize(6.5).fillColor(MUTED);
  doc.text(card.issuer, x, qrTop + 69, { width: w, lineBreak: false, ellipsis: true, height: 8 });

  doc.font('regular').fontSize(6.5).fillColor(INK);
  doc.text(CARD_TEXT.howTo, pad, height - pad - 8, {
    width: width - 2 * pad,
    align: 'center',
    lineBreak: false,
  });
}
