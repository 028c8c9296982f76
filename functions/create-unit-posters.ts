import * as z from 'zod';
import { createUnitPosters } from '../src/core/posters.ts';
import { MAX_POSTER_COPIES, posterStream } from '../src/render/poster.ts';
import { registry } from './commons/dynamo.ts';
import { reports, signer } from './commons/s3.ts';
import { UnitIdParams } from './commons/schemas.ts';
import { clock, config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** `{"copies"?, "subtree"?}`: pages per checkpoint (1–20, default 1); also every unit's below it (default false). */
export const UnitPostersBody = z.strictObject({
  copies: z.number().int().min(1).max(MAX_POSTER_COPIES).default(1),
  subtree: z.boolean().default(false),
});

const deps = {
  units: registry,
  checkpoints: registry,
  files: reports,
  signer,
  clock,
  provinceId: config.provinceId,
  linkTtlSeconds: config.reportLinkTtlSeconds,
  render: (
    checkpoints: Parameters<typeof posterStream>[0],
    options: { copies: number; title: string; onPage: (pages: number) => void },
  ) => posterStream(checkpoints, { ...options, publicBaseUrl: config.publicBaseUrl }),
};

/**
 * POST /v1/units/{unitId}/posters: every active checkpoint of the unit (and, with `subtree`, of every unit below
 * it), `copies` pages each, in one PDF streamed
 * into the reports bucket under posters/<province>/; answers a signed link that lives REPORT_LINK_TTL_SECONDS.
 */
export const handler = staffRoute(
  events,
  { params: UnitIdParams, body: UnitPostersBody },
  async ({ params, body, principal }) => ({
    status: 201,
    json: await createUnitPosters(deps, principal, params.unitId, body.copies, { subtree: body.subtree }),
  }),
);
