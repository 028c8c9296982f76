import * as z from 'zod';
import { ALERT_TEMPLATES } from '../src/core/alert-messages.ts';
import { draftAlert, MAX_ALERT_CHECKPOINTS } from '../src/core/alerts.ts';
import { deps } from './commons/alerts.ts';
import { events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

const instant = (name: string) =>
  z.iso
    .datetime({ offset: true, error: `${name}: an ISO time with its offset` })
    .transform((v) => new Date(v));

export const CreateAlertBody = z.strictObject({
  caseId: z.uuid({ error: 'The open case this alert is for' }),
  checkpointIds: z.array(z.string().trim().min(1).max(64)).min(1).max(MAX_ALERT_CHECKPOINTS),
  from: instant('from'),
  to: instant('to'),
  minOverlapMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .optional(),
  template: z.enum(ALERT_TEMPLATES),
  note: z.string().trim().max(500).optional(),
});

/** An exposure alert drafted for an open case: how many phones it would reach, no number. Audited. */
export const handler = staffRoute(events, { body: CreateAlertBody }, async ({ body, principal }) => {
  const alert = await draftAlert(deps, principal, body);
  return { status: 201, json: { id: alert.id, status: alert.status, recipients: alert.recipients } };
});
