import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type DemoOptions, importUntilDone, runDemo } from '../../src/local/demo.ts';

/**
 * `npm start` on a first run and on the run after a killed one: a seed finishes (pending rows sent again), is
 * marked done only once checked, and a start never takes a half-done seed for a finished one.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'vaora-demo-test-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function options(out: (line: string) => void): DemoOptions {
  return {
    provinceId: 'quang-ninh',
    port: 0,
    dataDir,
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    s3Endpoint: inject('s3Endpoint'),
    namePrefix: 'tdemo',
    keepRunning: false,
    // A tenth of the check-ins of `npm start`: the same checks, in a test's time.
    checkinScale: 500,
    out,
  };
}

const seedRecord = () => JSON.parse(readFileSync(join(dataDir, 'demo-seed.json'), 'utf8'));

describe('the demo seed', () => {
  it('a start killed half-way leaves the seed marked unfinished, and stack.json gone', async () => {
    const lines: string[] = [];
    const crash = (line: string) => {
      lines.push(line);
      // As if the process died right after the checkpoints were imported, before any check-in was posted.
      if (line.startsWith('Imported')) throw new Error('killed');
    };
    await expect(runDemo(options(crash))).rejects.toThrow(/not finished.*Run the same command again/s);
    expect(seedRecord().status).toBe('seeding');
    expect(existsSync(join(dataDir, 'stack.json'))).toBe(false);
  });

  it('the next start says what it found, finishes the seed and checks it', async () => {
    const lines: string[] = [];
    const stack = await runDemo(options((line) => lines.push(line)));
    await stack.stop();
    expect(lines.join('\n')).toMatch(/An earlier start stopped before the demo seed was finished/);
    expect(lines.join('\n')).toMatch(/Report checked against what was posted: 324 checkpoints/);
    expect(seedRecord()).toMatchObject({ status: 'done', verifiedAt: expect.any(String) });
    expect(stack.reportLink).toMatch(/^http:.*\.xlsx\?/);
  }, 300_000);

  it('a start after a finished seed serves it without seeding again', async () => {
    const lines: string[] = [];
    const stack = await runDemo(options((line) => lines.push(line)));
    await stack.stop();
    expect(lines.join('\n')).toMatch(/Found the demo seeded and checked by an earlier run/);
    expect(lines.join('\n')).not.toMatch(/Posted/);
  }, 120_000);
});

describe('an import the server could not finish in one request', () => {
  let server: Server | undefined;
  afterAll(() => server?.close());

  it('is sent again with exactly the pending rows until none are pending', async () => {
    const received: number[][] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const rows = (JSON.parse(body).checkpoints as { row: number }[]).map((r) => r.row);
        received.push(rows);
        // Each answer reaches only the first two rows it was sent: the rest come back pending.
        const json = {
          created: rows.slice(0, 2).map((row) => ({ row, id: randomUUID() })),
          existing: [],
          rejected: [],
          pending: rows.slice(2).map((row) => ({ row })),
        };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      });
    });
    await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const rows = [2, 3, 4, 5, 6].map((row) => ({ row, kind: 'shop', placeName: `P${row}`, address: 'A' }));
    await importUntilDone({ url }, 'token', '/v1/units/x/checkpoints/import', 'checkpoints', rows, () => {});
    expect(received).toEqual([[2, 3, 4, 5, 6], [4, 5, 6], [6]]);
  });
});
