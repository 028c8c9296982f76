import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3rver } from '../../src/local/s3.ts';

// s3rver of its own (not the run's shared one): this test hammers one key.
describe('the local S3', () => {
  const directory = mkdtempSync(join(tmpdir(), 'vaora-s3-'));
  let server: Awaited<ReturnType<typeof startS3rver>>;
  let s3: S3Client;
  beforeAll(async () => {
    server = await startS3rver({ port: 0, directory, bucket: 'whole' });
    s3 = new S3Client({
      endpoint: server.endpoint,
      region: 'ap-southeast-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('replaces an object whole: reads during writes of the same key see one version or the next, never a torn one', async () => {
    // Versions of different sizes, as a run record grows while its run goes on.
    const version = (n: number) =>
      JSON.stringify({ n, failed: Array.from({ length: n % 7 }, () => 'x'.repeat(500)) });
    await s3.send(new PutObjectCommand({ Bucket: 'whole', Key: 'run.json', Body: version(0) }));
    let writing = true;
    const writer = (async () => {
      for (let n = 1; n <= 120; n++) {
        await s3.send(new PutObjectCommand({ Bucket: 'whole', Key: 'run.json', Body: version(n) }));
      }
      writing = false;
    })();
    const seen: number[] = [];
    const reader = async () => {
      while (writing) {
        const out = await s3.send(new GetObjectCommand({ Bucket: 'whole', Key: 'run.json' }));
        const text = await out.Body?.transformToString();
        const parsed = JSON.parse(text ?? '') as { n: number };
        expect(text).toBe(version(parsed.n));
        seen.push(parsed.n);
      }
    };
    await Promise.all([writer, reader(), reader(), reader()]);
    expect(seen.length).toBeGreaterThan(10);
    expect(new Set(seen).size).toBeGreaterThan(1);
  });
});
