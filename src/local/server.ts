import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import { errorResponse } from '../../functions/http/errors.ts';
import { jsonEvents } from '../adapters/events.ts';
import type { Events } from '../core/ports.ts';
import type { CredentialStore } from '../core/users.ts';
import { FUNCTIONS, type FunctionName, ROUTES, type RouteSpec, timeoutSecondsOf } from '../routes.ts';
import { serveConsole } from './console.ts';
import { ensurePagesBuilt } from './pages.ts';
import { REPO_ROOT } from './repo.ts';
import { type Limit, Throttle } from './throttle.ts';
import { verifyToken } from './tokens.ts';

type Handler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<unknown>;
type GateAuthorizer = (
  event: APIGatewayRequestAuthorizerEventV2,
) => Promise<{ isAuthorized: boolean; context?: Record<string, unknown> }>;

/** The v2 event API Gateway gives a REQUEST Lambda authorizer: the request's, with the identity source. */
function authorizerEvent(
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  authorization: string,
): APIGatewayRequestAuthorizerEventV2 {
  const { requestContext, body: _body, isBase64Encoded: _encoded, ...request } = event;
  const { authorizer: _none, ...context } = requestContext;
  return {
    ...request,
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${event.routeKey.replace(' ', '')}`,
    identitySource: [authorization],
    cookies: [],
    requestContext: context,
  } as unknown as APIGatewayRequestAuthorizerEventV2;
}

/**
 * Many invocations at once in one process, as on Lambda Managed Instances: each runs in its own InvokeStore context
 * (the Lambda runtime's per-invocation store), which Powertools reads when AWS_LAMBDA_MAX_CONCURRENCY is set, so
 * one request's log keys (its request ids) never land on another's lines. The store is made when this module loads
 * (the AWS SDK makes the process's InvokeStore on its first call, a single-invocation one unless asked first); the
 * variable is set when a server starts, in the process that runs it, never by loading this module (a test runner
 * that imports it would hand the variable to every process it starts, and a bundle started with it looks for a
 * Lambda runtime that is not there). The value marks that invocations overlap; the server keeps no such limit.
 */
const invokeStore = await InvokeStore.getInstanceAsync(true);
const LAMBDA_MAX_CONCURRENCY = '64';

/** API Gateway's own payload limit. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  spec: RouteSpec;
  pattern: RegExp;
  names: string[];
}

function compile(spec: RouteSpec): CompiledRoute {
  const names: string[] = [];
  const source = spec.path.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { spec, pattern: new RegExp(`^${source}$`), names };
}

/**
 * API Gateway HTTP API, played locally: the same route table, the same v2 event, a JWT authorizer in front of
 * staff routes, the same throttling (the stage's and each route's own, from the same configuration), and the
 * very Lambda handlers that run in AWS.
 */
export async function startHttpServer(options: {
  port: number;
  host?: string;
  secret: Uint8Array;
  /** The stage's throttle (cdk.json's province `throttle`, or its defaults). */
  throttle: Limit;
  /** The staff accounts the console's local sign-in checks (the local users table). */
  credentials: CredentialStore;
  /** Origins the console's pages may reach besides this one (its policy's connect-src): the local S3's. */
  consoleConnect?: readonly string[];
  events?: Events;
}): Promise<{ server: Server; url: string }> {
  const routes = ROUTES.map(compile);
  // Powertools reads it at each log line: from here on, each request's keys stay in its own invocation's store.
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= LAMBDA_MAX_CONCURRENCY;
  // functions/checkin-page.ts imports the built pages: a fresh checkout builds them once, before any page is asked for.
  await ensurePagesBuilt();
  // Each function is loaded on its first request, as a Lambda cold-starts: one function's module scope never
  // holds up another's.
  const handlers = new Map<FunctionName, Promise<Handler>>();
  const handlerOf = (name: FunctionName) => {
    if (!handlers.has(name)) {
      const url = pathToFileURL(resolve(REPO_ROOT, FUNCTIONS[name].entry)).href;
      handlers.set(
        name,
        import(url).then((module) => module.handler as Handler),
      );
    }
    return handlers.get(name)!;
  };

  const gateway: Gateway = {
    invokeStore,
    routes,
    handlerOf,
    secret: options.secret,
    credentials: options.credentials,
    consoleConnect: options.consoleConnect ?? [],
    throttle: new Throttle(options.throttle),
    events: options.events ?? jsonEvents(),
  };

  const server = createServer((req, res) => {
    serve(req, res, gateway).catch((err: Error) => {
      gateway.events.emit({
        event: 'RequestFailed',
        status: 500,
        code: 'internal_error',
        errorName: err?.name ?? 'unknown',
      });
      if (!res.headersSent)
        send(res, errorResponse(500, 'internal_error', 'Something went wrong on our side'));
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'EADDRINUSE'
          ? new Error(`Port ${options.port} is in use: set PORT to another one`)
          : err,
      ),
    );
    server.listen(options.port, options.host ?? '127.0.0.1', ok);
  });
  const address = server.address() as { port: number };
  return { server, url: `http://${options.host ?? '127.0.0.1'}:${address.port}` };
}

interface Gateway {
  invokeStore: Awaited<ReturnType<typeof InvokeStore.getInstanceAsync>>;
  routes: CompiledRoute[];
  handlerOf: (name: FunctionName) => Promise<Handler>;
  secret: Uint8Array;
  credentials: CredentialStore;
  consoleConnect: readonly string[];
  throttle: Throttle;
  events: Events;
}

async function serve(req: IncomingMessage, res: ServerResponse, gateway: Gateway): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  const method = req.method ?? 'GET';
  // The staff console (its files and the local sign-in page) sits beside the API, as CloudFront puts it in AWS.
  if (await serveConsole(req, res, url, gateway)) return;
  let matched: { route: CompiledRoute; raw: string[] } | undefined;
  for (const route of gateway.routes) {
    const m = route.pattern.exec(url.pathname);
    if (!m || route.spec.method !== method) continue;
    matched = { route, raw: m.slice(1) };
    break;
  }
  // What API Gateway itself answers (not our error shape: HTTP APIs cannot customise these).
  if (!matched) return send(res, gatewayResponse(404, 'Not Found'));
  const { spec } = matched.route;
  const routeKey = `${spec.method} ${spec.path}`;

  if (!gateway.throttle.admit(routeKey, spec.throttle)) {
    gateway.events.emit({ event: 'RequestRefused', status: 429, code: 'throttled', route: routeKey });
    return send(res, gatewayResponse(429, 'Too Many Requests'));
  }

  // A path parameter that is not valid percent-encoding (`%ZZ`, a truncated UTF-8 sequence) names nothing: a
  // 400 naming the parameter, before the token is even looked at, and a log line naming the route.
  const params: Record<string, string> = {};
  const undecodable: string[] = [];
  matched.route.names.forEach((name, i) => {
    try {
      params[name] = decodeURIComponent(matched.raw[i]!);
    } catch {
      undecodable.push(name);
    }
  });
  if (undecodable.length > 0) {
    gateway.events.emit({ event: 'RequestRefused', status: 400, code: 'invalid_path', route: routeKey });
    return send(
      res,
      errorResponse(
        400,
        'invalid_path',
        `Invalid ${undecodable.join(', ')}`,
        undecodable.map((path) => ({ path, message: 'Not valid percent-encoding (UTF-8)' })),
      ),
    );
  }

  const body = await readBody(req);
  if (body === undefined) return send(res, gatewayResponse(413, 'Request Entity Too Large'));

  let claims: Record<string, unknown> | undefined;
  if (spec.access === 'staff') {
    const token = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    claims = token ? await verifyToken(gateway.secret, token).catch(() => undefined) : undefined;
    if (!claims) return send(res, gatewayResponse(401, 'Unauthorized'));
  }

  const event = toEvent(req, url, spec, params, body, claims);
  if (spec.access === 'gate') {
    // A Lambda authorizer, as API Gateway runs one: no identity source is a 401 without calling it; its
    // `isAuthorized: false` a 403; its context handed to the function as `requestContext.authorizer.lambda`.
    if (!req.headers.authorization) return send(res, gatewayResponse(401, 'Unauthorized'));
    const authorize = (await gateway.handlerOf('authorize-gate')) as unknown as GateAuthorizer;
    const answer = await authorize(authorizerEvent(event, req.headers.authorization));
    if (!answer.isAuthorized) return send(res, gatewayResponse(403, 'Forbidden'));
    (event.requestContext as unknown as { authorizer: unknown }).authorizer = { lambda: answer.context };
  }
  const handler = await gateway.handlerOf(spec.fn);
  // The function's clock starts once it is loaded, as a Lambda's timeout does after its cold start.
  const context = lambdaContext(spec.fn, Date.now());
  const result = (await gateway.invokeStore.run(
    { [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId },
    () => handler(event, context),
  )) as APIGatewayProxyStructuredResultV2;
  // API Gateway names each request in its answer; the function's log lines carry the same id (correlation_id).
  send(res, {
    ...result,
    headers: { ...result.headers, 'apigw-requestid': event.requestContext.requestId },
  });
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => ok(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

function isText(contentType: string): boolean {
  return /^(text\/|application\/(json|.*\+json|xml|x-www-form-urlencoded))/i.test(contentType);
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  spec: RouteSpec,
  pathParameters: Record<string, string>,
  body: Buffer,
  claims: Record<string, unknown> | undefined,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = name in query ? `${query[name]},${value}` : value;
  const binary = body.length > 0 && !isText(headers['content-type'] ?? '');
  const now = new Date();
  const routeKey = `${spec.method} ${spec.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    ...(body.length ? { body: binary ? body.toString('base64') : body.toString('utf8') } : {}),
    isBase64Encoded: binary,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: '127',
      http: {
        method: spec.method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: (claims ?? {}) as never, scopes: [] },
      },
    },
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/** A Lambda context whose remaining time counts down from the invocation, with the function's own timeout. */
function lambdaContext(name: FunctionName, startedAt: number): Context {
  const deadline = startedAt + timeoutSecondsOf(name) * 1000;
  return {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function gatewayResponse(status: number, message: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
  };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const body = result.body ?? '';
  const payload = result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  res.writeHead(result.statusCode ?? 200, {
    ...(result.headers as Record<string, string>),
    'content-length': payload.length,
  });
  res.end(payload);
}
