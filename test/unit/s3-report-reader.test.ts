import { GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3Reports } from '../../src/adapters/s3-reports.ts';

const s3 = mockClient(S3Client);
const KEY = 'reports/quang-ninh/hai-ha/2022-01-06_2022-01-12/bao-cao-hai-ha-2022-01-06_2022-01-12.json';

beforeEach(() => s3.reset());

describe('S3Reports.getText (the stored JSON report the console shows)', () => {
  it('reads the object of the key, as text', async () => {
    s3.on(GetObjectCommand, { Bucket: 'reports', Key: KEY }).resolves({
      Body: { transformToString: async () => '{"totals":{"checkins":72420}}' } as never,
    });

    const text = await new S3Reports(new S3Client({}), 'reports').getText(KEY);

    expect(text).toBe('{"totals":{"checkins":72420}}');
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'reports', Key: KEY },
    ]);
  });

  it('answers undefined for a key that holds no object', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'missing', $metadata: {} }));

    expect(await new S3Reports(new S3Client({}), 'reports').getText(KEY)).toBeUndefined();
  });

  it('passes any other failure on (a refusal is not a missing report)', async () => {
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({ name: 'AccessDenied', $fault: 'client', message: 'denied', $metadata: {} }),
    );

    await expect(new S3Reports(new S3Client({}), 'reports').getText(KEY)).rejects.toThrow('denied');
  });
});
