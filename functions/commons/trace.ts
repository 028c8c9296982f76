import * as z from 'zod';
import { makePhoneReader } from '../../src/adapters/phone-vault.ts';
import { loadPhoneConfig } from '../../src/config.ts';
import type { CaseQueryDeps } from '../../src/core/case-queries.ts';
import { audit, cases, checkins, registry } from './dynamo.ts';
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
