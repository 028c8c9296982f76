import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { z } from 'zod';
import { AppError, UnauthorizedError } from '../../src/core/errors.ts';
import { type GatePrincipal, type Principal, ROLES, type Role } from '../../src/core/model.ts';
import type { Events } from '../../src/core/ports.ts';
import { CLAIM_ROLE, CLAIM_UNIT } from '../../src/routes.ts';
import { observed } from '../commons/observability.ts';
import { errorResponses, SECURITY_HEADERS } from './errors.ts';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResponse = APIGatewayProxyStructuredResultV2;

/** What a route returns: JSON, or a file (QR image). */
export type RouteResult =
  | { status: number; json: unknown }
  | { status: number; file: { body: Buffer | string; contentType: string } };

export interface RouteSpec<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType> {
  body?: B;
  params?: P;
  query?: Q;
  /**
   * Content types accepted as they are (spreadsheets), besides JSON: `raw` then carries the bytes and `body`
   * is not parsed. Up to `maxBytes`.
   */
  raw?: { contentTypes: readonly string[]; maxBytes: number };
  /**
   * What a 4xx of this route refuses, counted by its code: `checkin` for the routes that record one check-in
   * (CheckinRejected, the CheckinsRejected metric). A batch's items are counted where they are answered.
   */
  refusals?: 'checkin';
}

export interface RouteInput<B, P, Q> {
  body: B;
  params: P;
  query: Q;
  event: HttpEvent;
  /** The Lambda context: `getRemainingTimeInMillis()` bounds work that must answer in time (imports). */
  context: Context;
  raw?: { body: Buffer; contentType: string };
}

/** JSON bodies of this API are small; anything larger is a mistake or an attack. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Every route's middlewares, in one place: observed (../commons/observability.ts: request ids and cold start on every
 * log line, X-Ray, EMF metrics), headers normalised, every error mapped to the contract's shape.
 */
function httpHandler(
  events: Events,
  spec: { refusals?: RouteSpec<z.ZodType, z.ZodType, z.ZodType>['refusals'] },
  handle: (event: HttpEvent, context: Context) => Promise<HttpResponse>,
) {
  return middy<HttpEvent, HttpResponse>()
    .use(observed())
    .use(httpHeaderNormalizer())
    .use(errorResponses(events, spec.refusals))
    .handler(handle);
}

/**
 * Builds a Lambda handler for a public route: observed (../commons/observability.ts: request ids and cold start
 * on every log line, X-Ray, EMF metrics), headers normalised, body/params/query parsed by zod (a 400 that names
 * each bad field), the result shaped into a response, every error mapped in one place.
 */
export function publicRoute<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType>(
  events: Events,
  spec: RouteSpec<B, P, Q>,
  run: (input: RouteInput<z.infer<B>, z.infer<P>, z.infer<Q>>) => Promise<RouteResult>,
) {
  const handler = httpHandler(events, spec, async (event, context) =>
    toResponse(await run({ ...parse(event, spec), context })),
  );
  return Object.assign(handler, { routeSpec: spec, access: 'public' as const });
}

/**
 * A staff route: API Gateway's JWT authorizer has verified the token; the handler still refuses an event
 * without the claims it needs (defence in depth, and the local server's contract).
 */
export function staffRoute<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType>(
  events: Events,
  spec: RouteSpec<B, P, Q>,
  run: (
    input: RouteInput<z.infer<B>, z.infer<P>, z.infer<Q>> & { principal: Principal },
  ) => Promise<RouteResult>,
) {
  const handler = httpHandler(events, spec, async (event, context) => {
    const principal = principalOf(event);
    return toResponse(await run({ ...parse(event, spec), context, principal }));
  });
  return Object.assign(handler, { routeSpec: spec, access: 'staff' as const });
}

/**
 * A route served twice (src/routes.ts): behind the staff JWT authorizer (`staff`) and behind the gate authorizer
 * (`gate`, functions/authorize-gate.ts). The handler gets either caller: a staff principal, or a gate tablet's
 * (one checkpoint, until its link expires), which the core checks (src/core/gate-links.ts assertGateReaches).
 */
export function gateOrStaffRoute<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType>(
  events: Events,
  spec: RouteSpec<B, P, Q>,
  run: (
    input: RouteInput<z.infer<B>, z.infer<P>, z.infer<Q>> & { caller: Principal | GatePrincipal },
  ) => Promise<RouteResult>,
) {
  const handler = httpHandler(events, spec, async (event, context) => {
    const gate = gateContextOf(event);
    const caller = gate ? gatePrincipalOf(gate) : principalOf(event);
    return toResponse(await run({ ...parse(event, spec), context, caller }));
  });
  return Object.assign(handler, { routeSpec: spec, access: 'staff' as const });
}

/**
 * What the gate authorizer hands the function (a Lambda authorizer's `context`, which API Gateway passes as
 * `requestContext.authorizer.lambda`): strings and numbers only, as API Gateway allows.
 */
export interface GateAuthorizerContext {
  role: 'gate';
  subject: string;
  unitId: string;
  checkpointId: string;
  /** Epoch seconds. */
  expiresAt: number;
}

function gateContextOf(event: HttpEvent): Record<string, unknown> | undefined {
  const authorizer = event.requestContext?.authorizer as { lambda?: Record<string, unknown> } | undefined;
  return authorizer?.lambda;
}

function gatePrincipalOf(context: Record<string, unknown>): GatePrincipal {
  const { role, subject, unitId, checkpointId, expiresAt } = context;
  if (
    role !== 'gate' ||
    typeof unitId !== 'string' ||
    typeof checkpointId !== 'string' ||
    typeof expiresAt !== 'number'
  ) {
    throw new UnauthorizedError('The gate authorizer gave no checkpoint');
  }
  return {
    role,
    subject: typeof subject === 'string' ? subject : '',
    unitId,
    checkpointId,
    expiresAt: new Date(expiresAt * 1000),
  };
}

export function principalOf(event: HttpEvent): Principal {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  const role = claims?.[CLAIM_ROLE];
  const unitId = claims?.[CLAIM_UNIT];
  if (typeof role !== 'string' || typeof unitId !== 'string' || !ROLES.includes(role as Role)) {
    throw new UnauthorizedError('The token carries no staff role and unit');
  }
  return { subject: String(claims?.sub ?? ''), role: role as Role, unitId };
}

function parse<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType>(
  event: HttpEvent,
  spec: RouteSpec<B, P, Q>,
): Omit<RouteInput<z.infer<B>, z.infer<P>, z.infer<Q>>, 'context'> {
  const raw = spec.raw && rawBody(event, spec.raw);
  return {
    ...(raw ? { raw } : {}),
    body: (spec.body && !raw
      ? spec.body.parse(jsonBody(event, spec.raw?.maxBytes))
      : undefined) as z.infer<B>,
    params: (spec.params ? spec.params.parse(event.pathParameters ?? {}) : undefined) as z.infer<P>,
    query: (spec.query ? spec.query.parse(event.queryStringParameters ?? {}) : undefined) as z.infer<Q>,
    event,
  };
}

function bodyBytes(event: HttpEvent, maxBytes: number): Buffer {
  const raw = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.byteLength > maxBytes)
    throw new AppError(413, 'body_too_large', `The body is larger than ${maxBytes} bytes`);
  return raw;
}

function rawBody(
  event: HttpEvent,
  accept: NonNullable<RouteSpec<z.ZodType, z.ZodType, z.ZodType>['raw']>,
): { body: Buffer; contentType: string } | undefined {
  const contentType = (event.headers?.['content-type'] ?? '').toLowerCase();
  if (!accept.contentTypes.some((t) => contentType.startsWith(t))) return undefined;
  return { body: bodyBytes(event, accept.maxBytes), contentType };
}

function jsonBody(event: HttpEvent, maxBytes = MAX_BODY_BYTES): unknown {
  // No body at all reads as {}: the schema then names each missing field, and optional-only bodies may be omitted.
  if (!event.body) return {};
  const contentType = event.headers?.['content-type'] ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new AppError(415, 'unsupported_media_type', 'Send the body as application/json');
  }
  const raw = bodyBytes(event, maxBytes);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError(400, 'invalid_json', 'The body is not valid JSON', [
      { path: '', message: 'Not valid JSON' },
    ]);
  }
}

function toResponse(result: RouteResult): HttpResponse {
  if ('json' in result) {
    return {
      statusCode: result.status,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        ...SECURITY_HEADERS,
      },
      body: JSON.stringify(result.json),
    };
  }
  const { body, contentType } = result.file;
  const binary = Buffer.isBuffer(body);
  return {
    statusCode: result.status,
    headers: { 'content-type': contentType, 'cache-control': 'private, max-age=300', ...SECURITY_HEADERS },
    body: binary ? body.toString('base64') : body,
    isBase64Encoded: binary,
  };
}
