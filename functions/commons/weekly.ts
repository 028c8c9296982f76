import type { Period } from '../../src/core/report.ts';
import { runWeeklyReports } from '../../src/core/weekly-report.ts';
import { renderReport } from '../../src/render/index.ts';
import { renderReportChart } from '../../src/render/report-chart.ts';
import { activity, registry } from './dynamo.ts';
import { reports } from './s3.ts';
import { clock, config, events } from './services.ts';

/** The weekly run as both the schedule and POST /v1/reports/weekly call it. */
export function runWeekly(period: Period) {
  return runWeeklyReports(
    {
      units: registry,
      checkpoints: registry,
      activity,
      reports,
      render: renderReport,
      chart: renderReportChart,
      clock,
      events,
      provinceId: config.provinceId,
    },
    period,
  );
}
