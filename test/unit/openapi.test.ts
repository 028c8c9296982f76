import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE, openApiDocument, useStandInEnv } from '../../src/openapi/generate.ts';
import { ROUTES } from '../../src/routes.ts';

/** The OpenAPI document: every route of src/routes.ts, built from the handlers' own zod schemas, kept fresh. */

const committed = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
let built: Promise<Record<string, unknown>> | undefined;
const fresh = () => (built ??= openApiDocument());

describe('the OpenAPI document', () => {
  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('lists %s', (_, route) => {
    const operation = committed.paths[route.path]?.[route.method.toLowerCase()];
    expect(operation, `${route.method} ${route.path} is missing: run npm run openapi`).toBeDefined();
    expect(operation['x-vaora-function']).toBe(route.fn);
    expect(operation.security).toEqual(
      { staff: [{ staffJwt: [] }], gate: [{ gateToken: [] }], public: [] }[route.access],
    );
  });

  it('lists nothing that is not a route', () => {
    const listed = Object.entries(committed.paths).flatMap(([path, ops]) =>
      Object.keys(ops as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('is what the handlers’ schemas make now (npm run openapi writes it)', async () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(await fresh())));
  }, 120_000);

  it('is OpenAPI 3.1 with the schemas of the request: fields, limits, required ones, no unknown keys', () => {
    expect(committed.openapi).toBe('3.1.0');
    const create = committed.paths['/v1/units/{unitId}/checkpoints'].post;
    const body = create.requestBody.content['application/json'].schema;
    expect(body).toMatchObject({
      type: 'object',
      additionalProperties: false,
      required: expect.arrayContaining(['kind', 'placeName', 'address']),
      properties: { placeName: { type: 'string', minLength: 1, maxLength: 300 } },
    });
    expect(create.parameters).toEqual([
      expect.objectContaining({ name: 'unitId', in: 'path', required: true }),
    ]);
    const list = committed.paths['/v1/units/{unitId}/checkpoints'].get.parameters;
    expect(list.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['unitId', 'limit', 'nextToken', 'subtree', 'idle', 'q', 'namingViolation']),
    );
    expect(list.find((p: { name: string }) => p.name === 'subtree')).toMatchObject({
      in: 'query',
      required: false,
      schema: { enum: ['true', 'false'] },
    });
    const importRoute = committed.paths['/v1/units/{unitId}/checkpoints/import'].post.requestBody.content;
    expect(Object.keys(importRoute)).toContain('text/csv');
  });

  it('is served at GET /v1/openapi.json without credentials', async () => {
    useStandInEnv();
    const { handler } = await import('../../functions/get-openapi.ts');
    const res = (await handler(
      { headers: {}, requestContext: {} } as never,
      { getRemainingTimeInMillis: () => 10_000 } as never,
    )) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual(committed);
  });
});
