import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makeS3UploadSigner } from '../../src/adapters/clients.ts';
import { S3ImportJobs } from '../../src/adapters/s3-imports.ts';
import { importIdsOf, SqsImportQueue } from '../../src/adapters/sqs-imports.ts';
import { type ImportJob, type ImportJobDeps, JOB_CHUNK, startImport } from '../../src/core/import-jobs.ts';
import { processImport, rowCheckpointId } from '../../src/core/import-run.ts';
import type { ImportJobStore, ImportQueue, ImportUploads } from '../../src/core/ports.ts';
import { fixedClock } from '../../src/core/time.ts';
import { rootUnit } from '../../src/core/units.ts';
import { importKeys } from '../../src/keys.ts';
import { admin, MemoryRegistry, RecordedEvents } from './fakes.ts';

const clock = fixedClock('2022-01-10T02:00:00Z');

/** Jobs and uploads kept in memory, as S3 keeps them: a copy in, a copy out. */
class MemoryJobs implements ImportJobStore, ImportUploads {
  jobs = new Map<string, string>();
  files = new Map<string, Buffer>();
  /** Puts that fail from the nth on (a crash between a chunk's writes and its progress record). */
  failPutsAfter = Number.POSITIVE_INFINITY;
  puts = 0;
  async getJob(id: string) {
    const json = this.jobs.get(id);
    return json ? (JSON.parse(json) as ImportJob) : undefined;
  }
  async putJob(job: ImportJob) {
    if (++this.puts > this.failPutsAfter) throw new Error('S3 went away');
    this.jobs.set(job.importId, JSON.stringify(job));
  }
  async uploadUrl(id: string, contentType: string, ttl: number) {
    return `https://upload.invalid/${id}?type=${contentType}&ttl=${ttl}`;
  }
  async readUpload(id: string) {
    return this.files.get(id);
  }
}

class RecordedQueue implements ImportQueue {
  awaited: string[] = [];
  continued: string[] = [];
  async awaitUpload(job: ImportJob) {
    this.awaited.push(job.importId);
  }
  async continueLater(id: string) {
    this.continued.push(id);
  }
}

let registry: MemoryRegistry;
let jobs: MemoryJobs;
let queue: RecordedQueue;
let deps: ImportJobDeps;

beforeEach(async () => {
  registry = new MemoryRegistry();
  await registry.createUnit(rootUnit('qn', 'Tỉnh Quảng Ninh', '2021-01-01T00:00:00Z'));
  jobs = new MemoryJobs();
  queue = new RecordedQueue();
  deps = {
    units: registry,
    checkpoints: registry,
    jobs,
    uploads: jobs,
    queue,
    events: new RecordedEvents(),
    clock,
    provinceId: 'qn',
    publicBaseUrl: 'https://vaora.example',
    namingRule: '{placeName}',
  };
});

/** A CSV of `rows` checkpoints, none with a ref: only the rows' ids keep them from being stored twice. */
const csv = (rows: number) =>
  Buffer.from(
    [
      'kind,placeName,address',
      ...Array.from({ length: rows }, (_, i) => `shop,Cửa hàng ${i},Thôn ${i}`),
    ].join('\n'),
  );

async function uploaded(rows: number): Promise<string> {
  const started = await startImport(deps, admin('qn'), { what: 'checkpoints', unitId: 'qn', format: 'csv' });
  jobs.files.set(started.importId, csv(rows));
  return started.importId;
}

describe('an import job', () => {
  it('is recorded waiting before its upload URL leaves, and the queue is told to expect the upload', async () => {
    const started = await startImport(deps, admin('qn'), {
      what: 'checkpoints',
      unitId: 'qn',
      format: 'csv',
    });
    expect(started).toMatchObject({
      status: 'waiting',
      upload: {
        method: 'PUT',
        headers: { 'content-type': 'text/csv' },
        expiresAt: '2022-01-10T02:15:00.000Z',
      },
    });
    expect((await jobs.getJob(started.importId))?.status).toBe('waiting');
    expect(queue.awaited).toEqual([started.importId]);
  });

  it('goes on in a later pass where it stopped, one chunk at least per pass', async () => {
    const id = await uploaded(JOB_CHUNK * 2 + 10);
    const first = await processImport(deps, id, () => false);
    expect(first).toMatchObject({ status: 'running', position: JOB_CHUNK, created: JOB_CHUNK });
    expect(queue.continued).toEqual([id]);
    const second = await processImport(deps, id, () => true);
    expect(second).toMatchObject({
      status: 'succeeded',
      position: JOB_CHUNK * 2 + 10,
      created: JOB_CHUNK * 2 + 10,
    });
    expect(registry.checkpoints.size).toBe(JOB_CHUNK * 2 + 10);
  });

  it('stores no row twice when it crashed between a chunk’s writes and its progress record, and is run again', async () => {
    const rows = JOB_CHUNK + 20;
    const id = await uploaded(rows);
    // The record after reading the file is put #2 (put #1 was the start); put #3, after the first chunk, fails.
    jobs.failPutsAfter = 2;
    await expect(processImport(deps, id, () => true)).rejects.toThrow('S3 went away');
    expect(registry.checkpoints.size).toBe(JOB_CHUNK);
    jobs.failPutsAfter = Number.POSITIVE_INFINITY;
    const again = await processImport(deps, id, () => true);
    expect(again).toMatchObject({ status: 'succeeded', created: 20, existing: JOB_CHUNK });
    expect(registry.checkpoints.size).toBe(rows);
  });

  it('leaves a finished job alone when its message comes again', async () => {
    const id = await uploaded(3);
    await processImport(deps, id, () => true);
    const puts = jobs.puts;
    expect((await processImport(deps, id, () => true))?.status).toBe('succeeded');
    expect(jobs.puts).toBe(puts);
    expect(registry.checkpoints.size).toBe(3);
  });

  it('waits, doing nothing, for a file that is not there yet', async () => {
    const started = await startImport(deps, admin('qn'), {
      what: 'checkpoints',
      unitId: 'qn',
      format: 'csv',
    });
    expect((await processImport(deps, started.importId, () => true))?.status).toBe('waiting');
  });

  it('gives the same row of the same rows the same id, and any other row another', () => {
    expect(rowCheckpointId('a', 'qn', 2)).toBe(rowCheckpointId('a', 'qn', 2));
    expect(rowCheckpointId('a', 'qn', 2)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(
      new Set([
        rowCheckpointId('a', 'qn', 2),
        rowCheckpointId('a', 'qn', 3),
        rowCheckpointId('b', 'qn', 2),
        rowCheckpointId('a', 'hh', 2),
      ]).size,
    ).toBe(4);
  });
});

describe('the imports queue’s messages', () => {
  const idOf = (key: string) => importKeys.importIdOf('qn', key);
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e';

  it('name a job: its own "go on" message, or its upload’s Object Created event', () => {
    expect(importIdsOf(JSON.stringify({ importId: id }), idOf)).toEqual([id]);
    const event = {
      source: 'aws.s3',
      'detail-type': 'Object Created',
      detail: { bucket: { name: 'b' }, object: { key: `imports/qn/uploads/${id}`, size: 10 } },
    };
    expect(importIdsOf(JSON.stringify(event), idOf)).toEqual([id]);
  });

  it('name nothing for another province’s upload, another prefix, another event or no JSON', () => {
    const event = (key: string, type = 'Object Created') =>
      JSON.stringify({ source: 'aws.s3', 'detail-type': type, detail: { object: { key } } });
    expect(importIdsOf(event(`imports/hn/uploads/${id}`), idOf)).toEqual([]);
    expect(importIdsOf(event(`reports/qn/uploads/${id}`), idOf)).toEqual([]);
    expect(importIdsOf(event(`imports/qn/uploads/${id}`, 'Object Deleted'), idOf)).toEqual([]);
    expect(importIdsOf('not json', idOf)).toEqual([]);
  });
});

describe('S3ImportJobs', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const store = () => new S3ImportJobs(new S3Client({ region: 'ap-southeast-1' }), 'bucket', 'qn');
  const body = (text: string) => ({ transformToByteArray: async () => new Uint8Array(Buffer.from(text)) });

  it('keeps a job as JSON under the province’s job key', async () => {
    s3.on(PutObjectCommand).resolves({});
    const job = { importId: 'j1', status: 'waiting' } as ImportJob;
    await store().putJob(job);
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Bucket: 'bucket',
      Key: 'imports/qn/jobs/j1.json',
      Body: JSON.stringify(job),
    });
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(job)) as never });
    expect(await store().getJob('j1')).toEqual(job);
  });

  it('answers no job and no upload for a missing key, and passes any other failure on', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'none', $metadata: {} }));
    expect(await store().getJob('j1')).toBeUndefined();
    expect(await store().readUpload('j1')).toBeUndefined();
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({ name: 'SlowDown', $fault: 'server', message: 'slow', $metadata: {} }),
    );
    await expect(store().readUpload('j1')).rejects.toThrow('slow');
    s3.on(PutObjectCommand).rejects(new Error('denied'));
    await expect(store().putJob({ importId: 'j1' } as ImportJob)).rejects.toThrow('denied');
  });

  it('presigns a PUT of the upload key, its content type signed in', async () => {
    const signer = new S3ImportJobs(
      new S3Client({
        region: 'ap-southeast-1',
        credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      }),
      'bucket',
      'qn',
    );
    const url = new URL(await signer.uploadUrl('j1', 'text/csv', 900));
    expect(url.pathname).toContain('imports/qn/uploads/j1');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toContain('content-type');
  });

  it('presigns with the upload signer a URL S3 accepts a file through: no checksum of an empty body signed in', async () => {
    const credentials = { accessKeyId: 'AKID', secretAccessKey: 'secret' };
    vi.stubEnv('AWS_REGION', 'ap-southeast-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.secretAccessKey);
    try {
      // As in Lambda: the default client for the rest, the signer (no endpoint: AWS) for the upload URL.
      const signer = makeS3UploadSigner({});
      const jobs = new S3ImportJobs(
        new S3Client({ region: 'ap-southeast-1', credentials }),
        'bucket',
        'qn',
        signer,
      );
      const url = new URL(await jobs.uploadUrl('j1', 'text/csv', 900));
      expect(url.host).toBe('bucket.s3.ap-southeast-1.amazonaws.com');
      // The SDK's default signs x-amz-checksum-crc32=AAAAAA== (an empty body's) in, and S3 answers BadDigest.
      expect([...url.searchParams.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
      signer.destroy();
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('SqsImportQueue', () => {
  const sqs = mockClient(SQSClient);
  beforeEach(() => sqs.reset());
  const url = 'https://sqs.ap-southeast-1.amazonaws.com/123456789012/imports';

  it('queues a job to go on, and leaves awaiting an upload to the bucket’s event', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const queue = new SqsImportQueue(new SQSClient({ region: 'ap-southeast-1' }), url);
    await queue.awaitUpload({ importId: 'j1' } as ImportJob);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    await queue.continueLater('j1');
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input).toEqual({
      QueueUrl: url,
      MessageBody: JSON.stringify({ importId: 'j1' }),
    });
  });

  it('passes a failure to queue on, so the pass fails and its own message comes again', async () => {
    sqs.on(SendMessageCommand).rejects(new Error('throttled'));
    await expect(
      new SqsImportQueue(new SQSClient({ region: 'ap-southeast-1' }), url).continueLater('j1'),
    ).rejects.toThrow('throttled');
  });
});
