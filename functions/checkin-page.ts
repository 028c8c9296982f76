import type { MiddlewareObj } from '@middy/core';
import * as z from 'zod';
import { normaliseCode } from '../src/core/codes.ts';
import { SERVICE_WORKER } from '../src/render/built-pages.js';
import { CHECKIN_PAGE_POLICY, checkinPage } from '../src/render/checkin-page.ts';
import { GATE_PAGE_POLICY, gatePage } from '../src/render/gate-page.ts';
import { config, events } from './commons/services.ts';
import { type HttpEvent, type HttpResponse, publicRoute } from './http/route.ts';

const HTML = 'text/html; charset=utf-8';
const isGate = (event: HttpEvent) => event.routeKey === 'GET /g/{code}';

/**
 * Every page answered carries its policy as a header too: only a header can forbid framing (`frame-ancestors`),
 * and a check-in page inside someone else's frame could be dressed up to collect phone numbers.
 */
const pagePolicy: MiddlewareObj<HttpEvent, HttpResponse> = {
  after: (request) => {
    const response = request.response;
    if (!response || typeof response.headers?.['content-type'] !== 'string') return;
    if (!response.headers['content-type'].startsWith('text/html')) return;
    response.headers['content-security-policy'] = isGate(request.event)
      ? GATE_PAGE_POLICY
      : CHECKIN_PAGE_POLICY;
  },
};

/**
 * The pages people and gate staff open, all static (no data store): GET /c/{code}, the URL inside every QR, so a
 * phone camera needs no app; GET /c, where a person types the code printed on the poster; GET /g/{code}, the gate
 * staff's page for assisted check-ins and personal cards (its token stays in the browser); GET /sw.js, the
 * service worker that lets those pages open offline. A code that cannot be one renders the code field: nothing
 * typed in the URL reaches the page.
 */
export const handler = publicRoute(
  events,
  { params: z.object({ code: z.string().max(64).optional() }) },
  async ({ params, event }) => {
    if (event.routeKey === 'GET /sw.js') {
      return { status: 200, file: { body: SERVICE_WORKER, contentType: 'text/javascript; charset=utf-8' } };
    }
    const code = normaliseCode(params.code ?? '') ?? '';
    const body = isGate(event) ? gatePage(code) : checkinPage(code, config.retentionDays);
    return { status: 200, file: { body, contentType: HTML } };
  },
).use(pagePolicy);
