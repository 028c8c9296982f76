import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack, StackFile } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/** What the local API Gateway answers by itself, at the edges a fault probe found. */

let stack: LocalStack;
let api: Client;
let admin: string;
const logDir = mkdtempSync(join(tmpdir(), 'vaora-gateway-log-'));
const logFile = join(logDir, 'vaora.log');
const logLines = () =>
  existsSync(logFile)
    ? readFileSync(logFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : [];

beforeAll(async () => {
  process.env.VAORA_LOG_FILE = logFile;
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
});

afterAll(async () => {
  await stack?.stop();
  delete process.env.VAORA_LOG_FILE;
  rmSync(logDir, { recursive: true, force: true });
});

describe('a path parameter that is not valid percent-encoding', () => {
  it.each(['%ZZ', '%E0%A4%A', '%C0%AF'])(
    '%s answers 400 naming the parameter, and is logged',
    async (bad) => {
      const before = logLines().length;
      const res = await api.call('GET', `/v1/units/${bad}/reports`, { token: admin });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_path');
      expect(res.json.error.details).toEqual([{ path: 'unitId', message: expect.any(String) }]);
      const logged = logLines().slice(before);
      expect(logged).toContainEqual(
        expect.objectContaining({
          event: 'RequestRefused',
          status: 400,
          route: 'GET /v1/units/{unitId}/reports',
        }),
      );
      // The route is logged, never the path's values.
      expect(JSON.stringify(logged)).not.toContain(bad);
    },
  );

  it('is refused before the token is looked at', async () => {
    const res = await api.call('GET', '/v1/units/%ZZ/reports');
    expect(res.status).toBe(400);
  });
});

describe('the contract error shape', () => {
  it('a 404 from a handler carries details: []', async () => {
    const res = await api.call('GET', '/v1/checkpoints/by-code/ZZZZZZZZ');
    expect(res.status).toBe(404);
    expect(res.json.error).toEqual({ code: 'unknown_checkpoint', message: expect.any(String), details: [] });
  });

  it('a 415 carries details: []', async () => {
    const res = await api.call('POST', '/v1/checkins', { raw: 'code=X', contentType: 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.json.error.details).toEqual([]);
  });

  it('a 413 from a handler carries details: []', async () => {
    const res = await api.call('POST', '/v1/checkins', { body: { code: 'x'.repeat(70_000) } });
    expect(res.status).toBe(413);
    expect(res.json.error.details).toEqual([]);
  });

  it('an unknown key such as __proto__ or constructor is named by itself', async () => {
    const res = await api.call('POST', '/v1/checkins', {
      raw: '{"code":"ABCD2345","phone":"0912345678","__proto__":{"x":1},"constructor":1}',
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      '__proto__',
      'constructor',
    ]);
  });
});

describe('security headers', () => {
  it('every JSON answer of ours carries nosniff, a referrer policy and HSTS', async () => {
    for (const res of [
      await api.call('GET', '/v1/units/quang-ninh', { token: admin }),
      await api.call('GET', '/v1/checkpoints/by-code/ZZZZZZZZ'),
    ]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
    }
  });
});

describe('throttling, from the same configuration as API Gateway', () => {
  it("answers 429 past the card route's burst of 10 (2 a second), before any handler runs", async () => {
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => api.call('POST', '/v1/cards', { body: { phone: '12345' } })),
    );
    const seconds = (performance.now() - started) / 1000;
    const reached = answers.filter((a) => a.status === 400).length;
    // The burst reaches the handler (which refuses the phone); then 2 a second refill, however slow this machine.
    expect(reached).toBeGreaterThanOrEqual(10);
    expect(reached).toBeLessThanOrEqual(10 + Math.ceil(seconds * 2));
    expect(answers.filter((a) => a.status === 429)).toHaveLength(30 - reached);
    expect(answers.find((a) => a.status === 429)!.json).toEqual({ message: 'Too Many Requests' });
  });
});

describe('stack.json', () => {
  it('tells tools where the running stack is', () => {
    const file = JSON.parse(readFileSync(join(stack.dataDir, 'stack.json'), 'utf8')) as StackFile;
    expect(file.api).toBe(stack.url);
    expect(file.tables.registry).toBe(stack.config.registryTable);
    expect(file.tables.checkins).toBe(stack.config.checkinsTable);
    expect(file.bucket).toBe(stack.config.reportsBucket);
    expect(file.dynamodbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(file.s3Endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
