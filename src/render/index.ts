import { PassThrough, type Readable } from 'node:stream';
import { REPORT_CONTENT_TYPES, type ReportFormat, type UnitReport } from '../core/report.ts';
import { renderCsv } from './csv.ts';
import { renderJson } from './json.ts';
import { renderXlsx } from './xlsx.ts';

export { renderCsv } from './csv.ts';
export { type JsonReport, renderJson, toJsonReport } from './json.ts';
export { formatPeriod, renderXlsx, XLSX_LAYOUT } from './xlsx.ts';

/** A rendered report, shaped for ReportStore.put(key, body, contentType). */
export interface RenderedReport {
  body: Readable | string;
  contentType: string;
}

/**
 * Renders a report in one format. XLSX comes back as a stream that fills while it is read (the uploader
 * pulls it); a rendering error destroys that stream, so the upload fails rather than storing half a file.
 */
export function renderReport(report: UnitReport, format: ReportFormat): RenderedReport {
  const contentType = REPORT_CONTENT_TYPES[format];
  switch (format) {
    case 'xlsx': {
      const body = new PassThrough();
      renderXlsx(report, body).catch((err: unknown) => body.destroy(err as Error));
      return { body, contentType };
    }
    case 'csv':
      return { body: renderCsv(report), contentType };
    case 'json':
      return { body: renderJson(report), contentType };
  }
}
