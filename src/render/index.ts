import { PassThrough, type Readable } from 'node:stream';
import { REPORT_CONTENT_TYPES, type ReportFormat, type UnitReport } from '../core/report.ts';
import { renderCsv } from './csv.ts';
import { renderJson } from './json.ts';
import { renderXlsx } from './xlsx.ts';

export { CSV_COMPARISON_HEADERS, renderCsv } from './csv.ts';
export { type JsonReport, renderJson, toJsonReport } from './json.ts';
export { CHECKPOINT_KIND_NAMES, comparisonLine, formatPeriod } from './report-text.ts';
export { renderXlsx, XLSX_LAYOUT, XLSX_SHEETS } from './xlsx.ts';

/** The formats renderReport draws: the chart ('png') is src/render/chart.ts's. */
export type TableFormat = Exclude<ReportFormat, 'png'>;

export interface RenderOptions {
  /** The report's chart, already drawn: the XLSX places it (under the table, or on its own sheet for a leaf). */
  chartPng?: Buffer;
}

/** A rendered report, shaped for ReportStore.put(key, body, contentType). */
export interface RenderedReport {
  body: Readable | string;
  contentType: string;
}

/**
 * Renders a report in one format. XLSX comes back as a stream that fills while it is read (the uploader
 * pulls it); a rendering error destroys that stream, so the upload fails rather than storing half a file.
 */
export function renderReport(
  report: UnitReport,
  format: TableFormat,
  options: RenderOptions = {},
): RenderedReport {
  const contentType = REPORT_CONTENT_TYPES[format];
  switch (format) {
    case 'xlsx': {
      const body = new PassThrough();
      renderXlsx(report, body, options).catch((err: unknown) => body.destroy(err as Error));
      return { body, contentType };
    }
    case 'csv':
      return { body: renderCsv(report), contentType };
    case 'json':
      return { body: renderJson(report), contentType };
    default:
      throw new Error(
        `renderReport draws xlsx, csv and json, not ${String(format)}: the chart is renderChartPng's`,
      );
  }
}
