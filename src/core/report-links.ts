import { reportKeys } from '../keys.ts';
import { NotFoundError } from './errors.ts';
import type { Principal } from './model.ts';
import type { LinkSigner, ReportReader, ReportStore, UnitStore } from './ports.ts';
import type { Period, ReportFormat } from './report.ts';
import { type Clock, reportablePeriod } from './time.ts';
import { unitInScope } from './units.ts';

export interface ReportLinkDeps {
  units: UnitStore;
  reports: ReportStore;
  signer: LinkSigner;
  clock: Clock;
  provinceId: string;
  linkTtlSeconds: number;
}

/** The periods that have reports for a unit, newest first. */
export async function listReportPeriods(
  deps: Pick<ReportLinkDeps, 'units' | 'reports' | 'provinceId'>,
  principal: Principal,
  unitId: string,
): Promise<Period[]> {
  await unitInScope(deps.units, principal, unitId, 'viewReports');
  const prefix = reportKeys.unitPrefix(deps.provinceId, unitId);
  const starts = new Map<string, Period>();
  for (const key of await deps.reports.list(prefix)) {
    const match = /^(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\//.exec(key.slice(prefix.length));
    if (match) starts.set(match[1]!, { start: match[1]!, end: match[2]! });
  }
  return [...starts.values()].sort((a, b) => b.start.localeCompare(a.start));
}

/** A short-lived signed link to one stored report file. */
export async function reportLink(
  deps: ReportLinkDeps,
  principal: Principal,
  unitId: string,
  start: string,
  format: ReportFormat,
): Promise<{ url: string; expiresAt: string }> {
  // A period that cannot have been reported is a bad request, not a report that happens to be missing.
  const period = reportablePeriod(start, deps.clock.now());
  await unitInScope(deps.units, principal, unitId, 'viewReports');
  const key = reportKeys.file(deps.provinceId, unitId, period.start, period.end, format);
  if (!(await deps.reports.exists(key))) {
    throw new NotFoundError('unknown_report', `No ${format} report for ${unitId} starting ${start}`);
  }
  const fileName = key.slice(key.lastIndexOf('/') + 1);
  const url = await deps.signer.signGet(key, deps.linkTtlSeconds, fileName);
  const expiresAt = new Date(deps.clock.now().getTime() + deps.linkTtlSeconds * 1000).toISOString();
  return { url, expiresAt };
}

/**
 * The stored JSON report itself (what the JSON download holds), for the console to show: the same figures as the
 * XLSX written by the same run, never recomputed.
 */
export async function storedJsonReport(
  deps: Pick<ReportLinkDeps, 'units' | 'clock' | 'provinceId'> & { reports: ReportReader },
  principal: Principal,
  unitId: string,
  start: string,
): Promise<unknown> {
  const period = reportablePeriod(start, deps.clock.now());
  await unitInScope(deps.units, principal, unitId, 'viewReports');
  const text = await deps.reports.getText(
    reportKeys.file(deps.provinceId, unitId, period.start, period.end, 'json'),
  );
  if (text === undefined)
    throw new NotFoundError('unknown_report', `No report for ${unitId} starting ${start}`);
  return JSON.parse(text);
}
