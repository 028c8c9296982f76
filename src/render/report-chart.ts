import type { UnitReport } from '../core/report.ts';
import { renderChartPng } from './chart.ts';
import { formatPeriod } from './report-text.ts';

/** The chart title, as the report's sheets name the figure. */
export const REPORT_CHART_TITLE = 'Số lượt vào/ra theo ngày';

/**
 * A weekly report's chart: check-ins per local day of the period, a line per child unit, as a PNG for the XLSX
 * and for its own link. The weekly run draws it for units with children only.
 */
export function renderReportChart(report: UnitReport): Promise<Buffer> {
  return renderChartPng({
    title: REPORT_CHART_TITLE,
    subtitle: `${report.unit.name}, tính từ ngày ${formatPeriod(report.period)}`,
    days: report.daily.days,
    series: report.daily.series.map(({ name, values }) => ({ name, values })),
  });
}
