import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ImportJob } from '../core/import-jobs.ts';
import type { ImportJobStore, ImportUploads } from '../core/ports.ts';
import { importKeys } from '../keys.ts';

/** Import jobs in the reports bucket (src/keys.ts importKeys): each job's record, and the file uploaded for it. */
export class S3ImportJobs implements ImportJobStore, ImportUploads {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly provinceId: string,
    /** What signs the upload URLs: a client without flexible checksums (clients.ts makeS3UploadSigner). */
    private readonly signer: S3Client = s3,
  ) {}

  async getJob(importId: string): Promise<ImportJob | undefined> {
    const body = await this.read(importKeys.job(this.provinceId, importId));
    return body && JSON.parse(body.toString('utf8'));
  }

  async putJob(job: ImportJob): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: importKeys.job(this.provinceId, job.importId),
        Body: JSON.stringify(job),
        ContentType: 'application/json',
      }),
    );
  }

  /** A presigned PUT: the signature covers the content type, so the file is stored as what the job reads. */
  uploadUrl(importId: string, contentType: string, expiresInSeconds: number): Promise<string> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: importKeys.upload(this.provinceId, importId),
      ContentType: contentType,
    });
    return getSignedUrl(this.signer, command, {
      expiresIn: expiresInSeconds,
      signableHeaders: new Set(['content-type']),
    });
  }

  readUpload(importId: string): Promise<Buffer | undefined> {
    return this.read(importKeys.upload(this.provinceId, importId));
  }

  private async read(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
    } catch (err) {
      if (err instanceof NoSuchKey || (err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }
}
