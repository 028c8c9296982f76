import { DateTime } from 'luxon';
import * as z from 'zod';
import { makePhoneReader } from '../../src/adapters/phone-vault.ts';
import { loadPhoneConfig } from '../../src/config.ts';
import type { CaseQueryDeps } from '../../src/core/case-queries.ts';
import { TIME_ZONE } from '../../src/core/time.ts';
import { exportKeys } from '../../src/keys.ts';
import { type CaseExport, renderCaseExport } from '../../src/render/case-export.ts';
import { audit, cases, checkins, registry } from './dynamo.ts';
import { reports, signer } from './s3.ts';
import { clock, config } from './services.ts';

/**
 * What the three tracing queries share: their stores, built at cold start, and their query string. Only these
 * functions hold a phone reader (binding `phones:open`, kms:Decrypt on phone data keys): they must answer numbers.
 */
export const deps: CaseQueryDeps = {
  cases,
  checkins,
  checkpoints: registry,
  phones: makePhoneReader(loadPhoneConfig()),
  audit,
  clock,
  auditRetentionDays: config.auditRetentionDays,
  retentionDays: config.retentionDays,
  minOverlapMinutes: config.contactMinOverlapMinutes,
};

const instant = (name: string) =>
  z.iso
    .datetime({ offset: true, error: `${name}: an ISO time with its offset` })
    .transform((v) => new Date(v));

export const TraceQuery = z.object({
  caseId: z.uuid({ error: 'The open case this query is for' }),
  from: instant('from'),
  to: instant('to'),
  /** `xlsx`: the answer as a file for the case, behind a short-lived signed link. */
  format: z.enum(['json', 'xlsx']).default('json'),
});

export const ContactQuery = TraceQuery.extend({
  minOverlapMinutes: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .optional(),
  ring: z.coerce
    .number()
    .pipe(z.union([z.literal(1), z.literal(2)]))
    .optional(),
});

export const PhoneParams = z.object({ phone: z.string().trim().min(1).max(32) });

/** Local time as a health official reads it: 06/01/2022 14:05 (Asia/Ho_Chi_Minh). */
export function localTime(iso: string): string {
  return DateTime.fromISO(iso, { zone: TIME_ZONE }).toFormat('dd/MM/yyyy HH:mm');
}

/**
 * Stores a tracing answer as an XLSX for the case file and answers a signed link to it, as a report link does
 * (the province's link lifetime). The file is removed by the bucket's lifecycle a day later.
 */
export async function exportLink(
  caseId: string,
  query: string,
  content: CaseExport,
): Promise<{ url: string; expiresAt: string }> {
  const now = clock.now();
  const key = exportKeys.file(config.provinceId, caseId, query, now);
  const xlsx = await renderCaseExport(content);
  await reports.put(key, xlsx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const url = await signer.signGet(key, config.reportLinkTtlSeconds, key.slice(key.lastIndexOf('/') + 1));
  return { url, expiresAt: new Date(now.getTime() + config.reportLinkTtlSeconds * 1000).toISOString() };
}

/** The subtitle of every export: the case, the window and who asked. */
export function exportSubtitle(ref: string, from: Date, to: Date, subject: string): string {
  return `Ca: ${ref} · từ ${localTime(from.toISOString())} đến ${localTime(to.toISOString())} · người tra cứu: ${subject}`;
}
