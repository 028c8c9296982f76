import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { Role } from '../../src/core/model.ts';
import { type LocalStack, startLocalStack } from '../../src/local/stack.ts';

/** A local stack for one test file: its own tables and bucket in the shared DynamoDB Local and s3rver. */
export async function testStack(options: { reportLinkTtlSeconds?: number } = {}): Promise<LocalStack> {
  return startLocalStack({
    provinceId: 'quang-ninh',
    port: 0,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    s3Endpoint: inject('s3Endpoint'),
    namePrefix: `t${randomUUID().slice(0, 8)}`,
    ...options,
  });
}

export interface Client {
  call(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string; raw?: string; contentType?: string },
  ): Promise<{
    status: number;
    json: any;
    headers: Headers;
  }>;
  as(role: Role, unitId: string): Promise<string>;
}

export function client(stack: LocalStack): Client {
  return {
    async call(method, path, options = {}) {
      const headers: Record<string, string> = {};
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined;
      if (options.raw !== undefined) {
        body = options.raw;
        headers['content-type'] = options.contentType ?? 'application/json';
      } else if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] = options.contentType ?? 'application/json';
      }
      const res = await fetch(`${stack.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      return { status: res.status, json, headers: res.headers };
    },
    as: (role, unitId) => stack.token(role, unitId),
  };
}

/**
 * POST /v1/reports/weekly, which answers 202 with the run's id at once, then GET /v1/reports/runs/{runId} until
 * the run is no longer running (the local stand-in runs it in the background): the run's final record.
 */
export async function runWeeklyReport(
  api: Client,
  token: string,
  body?: { start?: string },
): Promise<{ runId: string; period: { start: string; end: string }; run: any }> {
  const started = await api.call('POST', '/v1/reports/weekly', { token, body: body ?? {} });
  if (started.status !== 202)
    throw new Error(`POST /v1/reports/weekly: ${started.status} ${JSON.stringify(started.json)}`);
  const { runId, period } = started.json;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await api.call('GET', `/v1/reports/runs/${runId}`, { token });
    if (res.status !== 200) throw new Error(`GET /v1/reports/runs/${runId}: ${res.status}`);
    if (res.json.status !== 'running') return { runId, period, run: res.json };
    if (Date.now() > deadline) throw new Error(`The weekly run ${runId} was still running after 60 s`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}
