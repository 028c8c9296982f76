import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { LinkSigner, ReportReader, ReportStore } from '../core/ports.ts';

/** Stored report files. Streams go up as multipart uploads, so a large XLSX never sits whole in memory. */
export class S3Reports implements ReportStore, ReportReader {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(key: string, body: Readable | Buffer | string, contentType: string): Promise<void> {
    await new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
    }).done();
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client: this.s3 },
      { Bucket: this.bucket, Prefix: prefix },
    )) {
      for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    }
    return keys;
  }

  /**
   * Asked as a one-key listing, not HeadObject: the functions may list only under their province's prefix
   * (an IAM condition on s3:prefix), and without list permission S3 answers a missing key with 403, not 404.
   */
  async exists(key: string): Promise<boolean> {
    const out = await this.s3.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }),
    );
    return (out.Contents ?? []).some((object) => object.Key === key);
  }

  /** A stored file as text (the console and the Friday delivery read the JSON report); undefined when there is none. */
  async getText(key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await out.Body!.transformToString('utf8');
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}

/** Presigned GET links (SigV4 query signing). Behind an interface: aws-sdk-client-mock cannot intercept it. */
export class S3LinkSigner implements LinkSigner {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  signGet(key: string, ttlSeconds: number, downloadName: string): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: `attachment; filename="${downloadName}"`,
    });
    return getSignedUrl(this.s3, command, { expiresIn: ttlSeconds });
  }
}
