import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../src/local/stack.ts';
import { type Client, client, testStack } from './stack.ts';

/** A start whose period cannot be reported is a 400 naming `start`, answered before any work. */

let stack: LocalStack;
let api: Client;
let admin: string;

beforeAll(async () => {
  stack = await testStack();
  api = client(stack);
  admin = await api.as('admin', 'quang-ninh');
});

afterAll(async () => {
  await stack?.stop();
});

const UNREPORTABLE = [
  ['9999-12-26', /not ended/], // its end would be +010000-01-01
  ['0000-01-03', /2020-01-01 or later/],
  ['2019-12-30', /2020-01-01 or later/],
] as const;

describe('report periods that cannot be reported', () => {
  it.each(UNREPORTABLE)(
    'POST /v1/reports/weekly {"start":"%s"} answers 400 naming start',
    async (start, why) => {
      const res = await api.call('POST', '/v1/reports/weekly', { token: admin, body: { start } });
      expect(res.status).toBe(400);
      expect(res.json.error).toEqual({
        code: 'invalid_request',
        message: 'Invalid start',
        details: [{ path: 'start', message: expect.stringMatching(why) }],
      });
      // Decided before any work: no run stored a report for any period.
      const periods = await api.call('GET', '/v1/units/quang-ninh/reports', { token: admin });
      expect([periods.status, periods.json.items]).toEqual([200, []]);
    },
  );

  it.each(UNREPORTABLE)(
    'GET /v1/units/quang-ninh/reports/%s answers 400 naming start',
    async (start, why) => {
      const res = await api.call('GET', `/v1/units/quang-ninh/reports/${start}`, { token: admin });
      expect(res.status).toBe(400);
      expect(res.json.error.details).toEqual([{ path: 'start', message: expect.stringMatching(why) }]);
    },
  );
});
