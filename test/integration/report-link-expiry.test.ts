import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previousCompletePeriod } from '../../src/core/time.ts';
import type { LocalStack } from '../../src/local/stack.ts';
import { client, runWeeklyReport, testStack } from './stack.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await testStack({ reportLinkTtlSeconds: 3 });
});

afterAll(async () => {
  await stack?.stop();
});

describe('signed report links', () => {
  it('stop working once they expire', async () => {
    const api = client(stack);
    const admin = await api.as('admin', 'quang-ninh');
    await api.call('POST', '/v1/units', {
      token: admin,
      body: { id: 'hai-ha', name: 'Huyện Hải Hà', parentId: 'quang-ninh' },
    });
    const { start } = previousCompletePeriod(new Date());
    expect((await runWeeklyReport(api, admin, { start })).run.status).toBe('succeeded');
    const link = await api.call('GET', `/v1/units/quang-ninh/reports/${start}`, { token: admin });
    expect(link.status).toBe(200);
    expect((await fetch(link.json.url)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 4_200));
    expect((await fetch(link.json.url)).status).toBe(403);
  });
});
