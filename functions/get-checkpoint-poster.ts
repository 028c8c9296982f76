import * as z from 'zod';
import { checkpointInScope } from '../src/core/checkpoints.ts';
import { ConflictError } from '../src/core/errors.ts';
import { MAX_POSTER_COPIES, renderPosterPdf } from '../src/render/poster.ts';
import { registry } from './commons/dynamo.ts';
import { CheckpointIdParams } from './commons/schemas.ts';
import { config, events } from './commons/services.ts';
import { staffRoute } from './http/route.ts';

/** `?copies=` pages of the same poster, one per gate (1–20, default 1). */
const PosterQuery = z.object({
  copies: z.coerce.number().int().min(1).max(MAX_POSTER_COPIES).default(1),
});

/**
 * GET /v1/checkpoints/{id}/poster.pdf: the checkpoint's printable A4 poster, as a file in the response. Twenty
 * copies stay far below a Lambda response's 6 MB (a page is a few kilobytes; the font subset is embedded once).
 */
export const handler = staffRoute(
  events,
  { params: CheckpointIdParams, query: PosterQuery },
  async ({ params, query, principal }) => {
    const checkpoint = await checkpointInScope(registry, principal, params.id);
    if (!checkpoint.active) {
      throw new ConflictError(
        'checkpoint_inactive',
        'This checkpoint is deactivated: its code no longer works',
      );
    }
    const body = await renderPosterPdf([checkpoint], {
      copies: query.copies,
      publicBaseUrl: config.publicBaseUrl,
      title: `Poster điểm kiểm soát — ${checkpoint.name}`,
    });
    return { status: 200, file: { body, contentType: 'application/pdf' } };
  },
);
