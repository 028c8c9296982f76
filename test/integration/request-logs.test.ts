import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/**
 * What a request through the local HTTP path leaves in the functions' log (Powertools' Logger under the typed
 * events): its request ids on every line it causes, and no form of the phone number it carried.
 */

let stack: LocalStack;
let api: Client;
let code: string;
const logDir = mkdtempSync(join(tmpdir(), 'vaora-request-logs-'));
const logFile = join(logDir, 'vaora.log');
const logLines = (): Record<string, unknown>[] =>
  existsSync(logFile)
    ? readFileSync(logFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : [];
/** Every form the number below may be typed or stored in. */
const FORMS = ['0912345678', '0912 345 678', '+84912345678', '84912345678', '912345678'];
const saved = { file: process.env.VAORA_LOG_FILE, level: process.env.LOG_LEVEL };

beforeAll(async () => {
  // Debug: a stored check-in is a debug line (src/adapters/events.ts EVENT_LEVELS).
  process.env.VAORA_LOG_FILE = logFile;
  process.env.LOG_LEVEL = 'debug';
  stack = await testStack();
  api = client(stack);
  const admin = await api.as('admin', 'quang-ninh');
  const created = await api.call('POST', '/v1/units/quang-ninh/checkpoints', {
    token: admin,
    body: { kind: 'market', placeName: 'Chợ Quảng Hà', address: 'Khu 3' },
  });
  expect(created.status).toBe(201);
  code = created.json.code;
});

afterAll(async () => {
  await stack?.stop();
  process.env.VAORA_LOG_FILE = saved.file;
  process.env.LOG_LEVEL = saved.level;
  if (saved.file === undefined) delete process.env.VAORA_LOG_FILE;
  if (saved.level === undefined) delete process.env.LOG_LEVEL;
  rmSync(logDir, { recursive: true, force: true });
});

describe('a local request', () => {
  it('answers with its API Gateway request id, a new one per request', async () => {
    const a = await api.call('GET', `/v1/checkpoints/by-code/${code}`);
    const b = await api.call('GET', `/v1/checkpoints/by-code/${code}`);
    expect(a.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers.get('apigw-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('apigw-requestid')).not.toBe(b.headers.get('apigw-requestid'));
  });

  it('logs a stored check-in with its request ids and the cold-start flag, and never the phone number', async () => {
    const before = logLines().length;
    const res = await api.call('POST', '/v1/checkins', {
      body: { id: randomUUID(), code, phone: '0912 345 678' },
    });
    expect(res.status).toBe(201);
    const requestId = res.headers.get('apigw-requestid');

    const lines = logLines().slice(before);
    const recorded = lines.filter((line) => line.event === 'CheckinRecorded');
    expect(recorded).toEqual([
      expect.objectContaining({
        level: 'DEBUG',
        message: 'CheckinRecorded',
        correlation_id: requestId,
        function_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        function_name: 'create-checkin',
        cold_start: expect.any(Boolean),
        duplicate: false,
        method: 'web',
      }),
    ]);
    // The Lambda request id is the invocation's own, not API Gateway's.
    expect(recorded[0]!.function_request_id).not.toBe(requestId);
    const text = JSON.stringify(lines);
    for (const form of FORMS) expect(text).not.toContain(form);
  });

  it('logs a refused check-in with its reason and request ids, without the number or the body', async () => {
    const before = logLines().length;
    const res = await api.call('POST', '/v1/checkins', { body: { code, phone: '0912 345 67' } });
    expect(res.status).toBe(400);
    const lines = logLines().slice(before);
    expect(lines).toEqual([
      expect.objectContaining({
        event: 'CheckinRejected',
        reason: 'invalid_phone',
        correlation_id: res.headers.get('apigw-requestid'),
        function_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('345 67');
    expect(JSON.stringify(lines)).not.toContain(code);
  });

  it("keeps each request's ids on its own lines when requests overlap", async () => {
    const before = logLines().length;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.call('POST', '/v1/checkins', { body: { id: randomUUID(), code, phone: '0912345678' } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201));
    const logged = logLines()
      .slice(before)
      .filter((line) => line.event === 'CheckinRecorded')
      .map((line) => line.correlation_id)
      .sort();
    expect(logged).toEqual(answers.map((a) => a.headers.get('apigw-requestid')).sort());
  });
});
