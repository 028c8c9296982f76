import * as z from 'zod';
import { normaliseCode } from '../src/core/codes.ts';
import { checkinPage } from '../src/render/checkin-page.ts';
import { events } from './commons/services.ts';
import { publicRoute } from './http/route.ts';

/**
 * GET /c/{code}: the URL inside every QR, so a phone camera needs no app; GET /c: the page where a person types
 * the code printed on the poster. A code that cannot be one renders the code field: nothing typed in the URL
 * reaches the page.
 */
export const handler = publicRoute(
  events,
  { params: z.object({ code: z.string().max(64).optional() }) },
  async ({ params }) => ({
    status: 200,
    file: {
      body: checkinPage(normaliseCode(params.code ?? '') ?? ''),
      contentType: 'text/html; charset=utf-8',
    },
  }),
);
