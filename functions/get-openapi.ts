import document from '../src/openapi/openapi.json' with { type: 'json' };
import { events } from './commons/services.ts';
import { publicRoute } from './http/route.ts';

/**
 * GET /v1/openapi.json: the OpenAPI 3.1 document of every route, generated from the handlers' zod schemas
 * (src/openapi/generate.ts, `npm run openapi`) and bundled with this function: no store is read.
 */
export const handler = publicRoute(events, {}, async () => ({ status: 200, json: document }));
