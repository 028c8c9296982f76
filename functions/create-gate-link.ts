import * as z from 'zod';
import { makeGateLink } from '../src/core/gate-links.ts';
import { GATE_LINK_HOURS } from '../src/core/gate-tokens.ts';
import { qrSvg } from '../src/render/qr.ts';
import { audit, registry } from './commons/dynamo.ts';
import { gateTokens } from './commons/gate.ts';
import { CheckpointIdParams } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

export const GateLinkBody = z.strictObject({
  /** How long the link lasts: a shift by default. */
  hours: z.int().min(GATE_LINK_HOURS.min).max(GATE_LINK_HOURS.max).optional(),
});

const deps = {
  checkpoints: registry,
  issuer: gateTokens,
  audit,
  clock,
  auditRetentionDays: config.auditRetentionDays,
  publicBaseUrl: config.publicBaseUrl,
};

/**
 * POST /v1/checkpoints/{id}/gate-links `{"hours"?}`: a unit-manager (or an admin above) makes the link a gate
 * tablet opens for a shift → 201 `{url, expiresAt, checkpointId, code, hours, qrSvg}`. The QR holds the whole link
 * (token included): it is shown on the manager's screen for the tablet's camera, never printed.
 */
export const handler = staffRoute(
  events,
  { params: CheckpointIdParams, body: GateLinkBody },
  async ({ params, body, principal }) => {
    const link = await makeGateLink(deps, principal, params.id, body.hours);
    return { status: 201, json: { ...link, qrSvg: await qrSvg(link.url) } };
  },
);
