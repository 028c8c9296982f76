import { normaliseCode } from '../src/core/codes.ts';
import { checkinPage } from '../src/render/checkin-page.ts';
import { CodeParams } from './commons/schemas.ts';
import { events } from './commons/services.ts';
import { publicRoute } from './http/route.ts';

/**
 * GET /c/{code}: the URL inside every QR, so a phone camera needs no app. A code that cannot be one renders the
 * page with an empty code, which then says the checkpoint is unknown: nothing typed in the URL reaches the page.
 */
export const handler = publicRoute(events, { params: CodeParams }, async ({ params }) => ({
  status: 200,
  file: { body: checkinPage(normaliseCode(params.code) ?? ''), contentType: 'text/html; charset=utf-8' },
}));
