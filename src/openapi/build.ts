import * as z from 'zod';
import { ROUTES, type RouteSpec } from '../routes.ts';

/**
 * The OpenAPI 3.1 document of every route of src/routes.ts, built from the zod schemas each handler parses its
 * input with (functions/http/route.ts attaches them to the handler as `routeSpec`). Zod 4's own
 * `z.toJSONSchema` writes JSON Schema draft 2020-12, which is OpenAPI 3.1's schema dialect, so no converter
 * library is needed. Schemas are written as a request's input (`io: "input"`): a field with a default is
 * optional, a kind typed in Vietnamese is a string.
 */

/** What a handler declares about its input (functions/http/route.ts RouteSpec). */
export interface InputSpec {
  body?: z.ZodType;
  params?: z.ZodType;
  query?: z.ZodType;
  raw?: { contentTypes: readonly string[]; maxBytes: number };
}

type JsonSchema = { [key: string]: unknown; properties?: Record<string, JsonSchema>; required?: string[] };

const toSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as JsonSchema;
  return json;
};

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', description: 'snake_case' },
        message: { type: 'string', description: 'for a person' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'message'],
            properties: { path: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
};

/** Parameters of one location from an object schema: one per property, required as the schema says. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query', pathNames: string[]) {
  const names = new Set(pathNames);
  const json = schema ? toSchema(schema) : { properties: {} };
  const required = new Set(json.required ?? []);
  const listed = Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: property,
  }));
  // A path parameter no schema describes (a route whose handler reads it itself) is still a string.
  if (where === 'path') {
    for (const name of names) {
      if (!listed.some((p) => p.name === name))
        listed.push({ name, in: 'path', required: true, schema: { type: 'string' } });
    }
    return listed.filter((p) => names.has(p.name));
  }
  return listed;
}

/** Who may call a route, by its access (src/routes.ts Access). */
const SECURITY: Record<RouteSpec['access'], unknown[]> = {
  public: [],
  staff: [{ staffJwt: [] }],
  gate: [{ gateToken: [] }],
};

const SUMMARY_STATUS: Record<RouteSpec['method'], string> = {
  GET: '200',
  POST: '200',
  PATCH: '200',
  PUT: '200',
};

export function buildOpenApi(
  inputs: ReadonlyMap<RouteSpec['fn'], InputSpec>,
  info: { title: string; version: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const input = inputs.get(route.fn) ?? {};
    const pathNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const content: Record<string, unknown> = {};
    if (input.body) content['application/json'] = { schema: toSchema(input.body) };
    for (const type of input.raw?.contentTypes ?? [])
      content[type] = { schema: { type: 'string', format: 'binary' } };
    const operation = {
      operationId: `${route.method.toLowerCase()}${route.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
      'x-vaora-function': route.fn,
      security: SECURITY[route.access],
      parameters: [
        ...parameters(input.params, 'path', pathNames),
        ...parameters(input.query, 'query', pathNames),
      ],
      ...(Object.keys(content).length
        ? { requestBody: { required: !!input.raw || isRequired(input.body), content } }
        : {}),
      responses: {
        [SUMMARY_STATUS[route.method]]: { description: 'Success (201 where the route creates something)' },
        '400': { description: 'Invalid input: each bad field named in details', content: errorContent },
        ...(route.access !== 'public'
          ? {
              '401': { description: 'No or bad credentials' },
              '403': { description: 'Not allowed for this unit or role', content: errorContent },
            }
          : {}),
        '404': { description: 'Unknown resource', content: errorContent },
        '429': { description: 'Throttled' },
      },
    };
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'vaora HTTP API v1: the contract mobile clients and staff tools rely on.' },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        staffJwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A staff token with custom:role (admin | unit-manager | tracer) and custom:unit',
        },
        gateToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "A gate link's token (POST /v1/checkpoints/{id}/gate-links): ES256, one checkpoint, a shift long",
        },
      },
    },
  };
}

const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };

/** A body every field of which is optional may be omitted (the route reads no body as {}). */
function isRequired(schema: z.ZodType | undefined): boolean {
  return schema ? !schema.safeParse({}).success : false;
}
