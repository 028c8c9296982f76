import type ExcelJS from 'exceljs';

/**
 * Pictures placed on a sheet of exceljs's *streaming* WorkbookWriter, which cannot do it itself (exceljs issues
 * #322 and #2918: its WorksheetWriter has addBackgroundImage and nothing else). The in-memory Workbook can, but it
 * holds every cell of every row until it writes: a province's report must stream.
 *
 * What a positioned picture is in the package (ECMA-376 part 1, §20.5 and §18.3.1.36), and who writes each part:
 *
 *   xl/media/imageN.png                     the bytes: exceljs, from workbook.addImage() (WorkbookWriter.media)
 *   xl/drawings/drawingK.xml                an xdr:wsDr with one oneCellAnchor + xdr:pic per picture: here
 *   xl/drawings/_rels/drawingK.xml.rels     each pic's r:embed → ../media/imageN.png: here
 *   xl/worksheets/_rels/sheetM.xml.rels     the sheet → ../drawings/drawingK.xml (type …/drawing): the sheet's
 *                                           own SheetRelsWriter, through its addRelationship()
 *   <drawing r:id="…"/> in sheetM.xml       after headerFooter/rowBreaks, before legacyDrawing (the schema's
 *                                           order): written by wrapping the sheet's _writeRowBreaks()
 *   [Content_Types].xml                     an Override for each drawing part (the png Default exceljs writes
 *                                           from its media): by wrapping the workbook's addContentTypes()
 *
 * It relies on these exceljs 4.4.0 internals (lib/stream/xlsx/{workbook-writer,worksheet-writer,
 * sheet-rels-writer}.js): WorkbookWriter.addImage/getImage/zip.append/addContentTypes (which appends
 * "[Content_Types].xml" synchronously, inside its Promise executor) and WorksheetWriter.stream/committed/
 * _sheetRelsWriter.addRelationship/_writeRowBreaks. Each is checked before use and again when it runs: if an
 * exceljs upgrade moves one, rendering throws rather than leaving the chart out of the file without a word.
 */

const DRAWING_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing';
const IMAGE_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/image';
export const DRAWING_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.drawing+xml';

/** DrawingML measures in EMU: 914,400 to the inch, so 9,525 to a pixel at 96 dpi (what Excel calls a pixel). */
const EMU_PER_PIXEL = 9525;

/** Where a picture goes: its top-left corner on a cell (zero-based), its size on the sheet in pixels (96 dpi). */
export interface SheetImageAnchor {
  col: number;
  row: number;
  width: number;
  height: number;
}

export interface SheetImage {
  png: Buffer;
  anchor: SheetImageAnchor;
  /** Alternative text, read out by screen readers and shown when the picture cannot be. */
  description: string;
}

interface WorkbookInternals {
  addImage(image: { buffer: Buffer; extension: 'png' }): number;
  getImage(id: number): { name?: unknown } | undefined;
  zip: ZipInternals;
  addContentTypes(): Promise<void>;
}

interface ZipInternals {
  append(source: string | Buffer, data: { name: string }): unknown;
}

interface WorksheetInternals {
  committed: boolean;
  stream: { write(chunk: string): unknown };
  _sheetRelsWriter: { addRelationship(rel: { Type: string; Target: string }): unknown };
  _writeRowBreaks(): void;
}

interface Picture {
  mediaName: string;
  anchor: SheetImageAnchor;
  description: string;
}

interface Drawing {
  /** drawingK: the part's file name without .xml */
  name: string;
  /** The sheet's relationship to the part. */
  rId: string;
  pictures: Picture[];
  written: boolean;
}

/** Per workbook, its drawings in order; per sheet, the one drawing all its pictures go in. */
const drawingsOf = new WeakMap<object, Drawing[]>();
const drawingOfSheet = new WeakMap<object, Drawing>();

/**
 * Places a PNG on a sheet of a streaming workbook. Call it any time before the sheet is committed (its rows may
 * already be): the picture is written with the sheet's closing elements, the drawing parts as the sheet commits.
 */
export function addSheetImage(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  sheet: ExcelJS.Worksheet,
  image: SheetImage,
): void {
  const book = workbookInternals(workbook);
  const ws = worksheetInternals(sheet);
  if (ws.committed) throw new Error('addSheetImage: the sheet is already committed');
  const { col, row, width, height } = image.anchor;
  for (const [key, value] of Object.entries({ col, row, width, height })) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`addSheetImage: ${key} ${value}`);
  }

  const id = book.addImage({ buffer: image.png, extension: 'png' });
  const mediaName = book.getImage(id)?.name;
  if (typeof mediaName !== 'string' || !/^[A-Za-z0-9]+\.png$/.test(mediaName)) {
    throw internalsChanged(`WorkbookWriter.addImage() named its medium ${String(mediaName)}`);
  }
  drawingFor(workbook, book, sheet, ws).pictures.push({
    mediaName,
    anchor: image.anchor,
    description: image.description,
  });
}

function drawingFor(
  workbook: object,
  book: WorkbookInternals,
  sheet: object,
  ws: WorksheetInternals,
): Drawing {
  const existing = drawingOfSheet.get(sheet);
  if (existing) return existing;

  let drawings = drawingsOf.get(workbook);
  if (!drawings) {
    drawings = [];
    drawingsOf.set(workbook, drawings);
    wrapContentTypes(book, drawings);
  }
  const name = `drawing${drawings.length + 1}`;
  const rId = ws._sheetRelsWriter.addRelationship({ Type: DRAWING_REL, Target: `../drawings/${name}.xml` });
  if (typeof rId !== 'string' || !/^rId\d+$/.test(rId)) {
    throw internalsChanged(`SheetRelsWriter.addRelationship() answered ${String(rId)}`);
  }
  const drawing: Drawing = { name, rId, pictures: [], written: false };
  drawings.push(drawing);
  drawingOfSheet.set(sheet, drawing);

  // WorksheetWriter.commit() writes </sheetData>, mergeCells, …, pageSetup, headerFooter, rowBreaks, then
  // legacyDrawing and </worksheet>: right after rowBreaks is where CT_Worksheet wants <drawing>.
  const writeRowBreaks = ws._writeRowBreaks;
  ws._writeRowBreaks = function writeRowBreaksThenDrawing(this: WorksheetInternals) {
    writeRowBreaks.call(this);
    this.stream.write(`<drawing r:id="${drawing.rId}"/>`);
    book.zip.append(drawingXml(drawing), { name: `xl/drawings/${drawing.name}.xml` });
    book.zip.append(drawingRelsXml(drawing), { name: `xl/drawings/_rels/${drawing.name}.xml.rels` });
    drawing.written = true;
  };
  return drawing;
}

/**
 * exceljs's ContentTypesXform would write drawing Overrides from a `drawings` list, but the streaming writer builds
 * that model inside addContentTypes() without one. So while addContentTypes() runs, its zip.append of
 * "[Content_Types].xml" gets one Override per drawing before </Types>.
 */
function wrapContentTypes(book: WorkbookInternals, drawings: readonly Drawing[]): void {
  const addContentTypes = book.addContentTypes;
  book.addContentTypes = function addContentTypesWithDrawings(this: WorkbookInternals) {
    const unwritten = drawings.filter((d) => !d.written).map((d) => d.name);
    if (unwritten.length) {
      throw internalsChanged(
        `${unwritten.join(', ')} never written: WorksheetWriter._writeRowBreaks() not called`,
      );
    }
    const zip = this.zip;
    const append = zip.append;
    let patched = false;
    zip.append = function appendWithDrawings(this: ZipInternals, source, data) {
      if (data?.name === '[Content_Types].xml' && typeof source === 'string') {
        const overrides = drawings
          .map(
            (d) => `<Override PartName="/xl/drawings/${d.name}.xml" ContentType="${DRAWING_CONTENT_TYPE}"/>`,
          )
          .join('');
        const at = source.lastIndexOf('</Types>');
        if (at >= 0) {
          source = source.slice(0, at) + overrides + source.slice(at);
          patched = true;
        }
      }
      return append.call(this, source, data);
    };
    let result: Promise<void>;
    try {
      result = addContentTypes.call(this);
    } finally {
      zip.append = append;
    }
    if (!patched) throw internalsChanged('addContentTypes() did not append [Content_Types].xml as it ran');
    return result;
  };
}

function drawingXml(drawing: Drawing): string {
  const anchors = drawing.pictures.map((picture, i) => {
    const { col, row, width, height } = picture.anchor;
    const cx = width * EMU_PER_PIXEL;
    const cy = height * EMU_PER_PIXEL;
    // One-cell anchor: moves with its cell, keeps its size whatever the row heights and column widths.
    return (
      '<xdr:oneCellAnchor>' +
      `<xdr:from><xdr:col>${col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>` +
      `<xdr:ext cx="${cx}" cy="${cy}"/>` +
      '<xdr:pic>' +
      `<xdr:nvPicPr><xdr:cNvPr id="${i + 2}" name="Picture ${i + 1}" descr="${escapeXml(picture.description)}"/>` +
      '<xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr>' +
      `<xdr:blipFill><a:blip r:embed="rId${i + 1}"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>` +
      `<xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="${cx}" cy="${cy}"/></a:xfrm>` +
      '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr>' +
      '</xdr:pic>' +
      '<xdr:clientData/>' +
      '</xdr:oneCellAnchor>'
    );
  });
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"' +
    ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"' +
    ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
    anchors.join('') +
    '</xdr:wsDr>'
  );
}

function drawingRelsXml(drawing: Drawing): string {
  const rels = drawing.pictures.map(
    (picture, i) =>
      `<Relationship Id="rId${i + 1}" Type="${IMAGE_REL}" Target="../media/${picture.mediaName}"/>`,
  );
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
    rels.join('') +
    '</Relationships>'
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

function workbookInternals(workbook: object): WorkbookInternals {
  const book = workbook as Partial<WorkbookInternals>;
  requireFunction(book.addImage, 'WorkbookWriter.addImage');
  requireFunction(book.getImage, 'WorkbookWriter.getImage');
  requireFunction(book.addContentTypes, 'WorkbookWriter.addContentTypes');
  requireFunction(book.zip?.append, 'WorkbookWriter.zip.append');
  return book as WorkbookInternals;
}

function worksheetInternals(sheet: object): WorksheetInternals {
  const ws = sheet as Partial<WorksheetInternals>;
  requireFunction(ws._writeRowBreaks, 'WorksheetWriter._writeRowBreaks');
  requireFunction(ws._sheetRelsWriter?.addRelationship, 'WorksheetWriter._sheetRelsWriter.addRelationship');
  requireFunction(ws.stream?.write, 'WorksheetWriter.stream.write');
  if (typeof ws.committed !== 'boolean') throw internalsChanged('WorksheetWriter.committed is not a boolean');
  return ws as WorksheetInternals;
}

function requireFunction(value: unknown, what: string): void {
  if (typeof value !== 'function') throw internalsChanged(`${what} is missing`);
}

function internalsChanged(detail: string): Error {
  return new Error(
    `Cannot place a picture on a streamed sheet: exceljs's internals are not those of 4.4.0 (${detail}); ` +
      'see src/render/xlsx-image.ts',
  );
}

/** Width and height of a PNG, from its IHDR chunk; throws for anything that is not a PNG. */
export function pngSize(png: Buffer): { width: number; height: number } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (
    png.length < 24 ||
    signature.some((byte, i) => png[i] !== byte) ||
    png.toString('latin1', 12, 16) !== 'IHDR'
  ) {
    throw new TypeError('The chart is not a PNG');
  }
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
