import * as z from 'zod';
import { REPORT_FORMATS } from '../../src/core/report.ts';
import { isLocalDate } from '../../src/core/time.ts';
import { id } from './schemas.ts';

/**
 * The reports' request shapes: a report's first day is a local date, checked with luxon, which only the functions
 * importing this module bundle (./schemas.ts).
 */

const localDate = z.string().refine(isLocalDate, 'Expected a date YYYY-MM-DD');

export const ReportParams = z.object({ unitId: id, start: localDate });

export const WeeklyReportBody = z.strictObject({ start: localDate.optional() });

export const ReportLinkQuery = z.object({ format: z.enum(REPORT_FORMATS).default('xlsx') });
