import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';

/** s3rver in this process, storing objects as files under `directory`. */
export async function startS3rver(options: { port: number; directory: string; bucket: string }) {
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    directory: options.directory,
    silent: true,
    configureBuckets: [{ name: options.bucket, configs: [] }],
  });
  replaceObjectsWhole((server as unknown as { store: ObjectStore }).store);
  const address = (await server.run().catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'EADDRINUSE'
      ? new Error(`Port ${options.port} (the local S3) is in use: set S3_PORT, or PORT, to another one`)
      : err;
  })) as { port: number };
  return { endpoint: `http://127.0.0.1:${address.port}`, stop: () => server.close() };
}

/** The part of s3rver's file store (lib/stores/filesystem.js) that reads and replaces objects. */
export interface ObjectStore {
  getObject(bucket: string, key: string, options?: unknown): Promise<{ content?: Readable | null } | null>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  getResourcePath(bucket: string, key: string, resource: string): string;
  copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    ...rest: unknown[]
  ): Promise<unknown>;
  deleteObject(bucket: string, key: string): Promise<unknown>;
}

interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: unknown;
}

/**
 * S3 replaces an object whole: a GET sees the old object or the new one, never a mix. s3rver's file store
 * truncates the file and rewrites it in place, then rewrites its metadata, so a GET during a PUT of the same key
 * read an empty or torn object (a weekly run's record polled while the run updates it answered 500), and it
 * answers a PUT before the file is written. Here a PUT writes a file beside the object and renames it over the
 * object once written, and each key's reads and writes take turns: a write waits for a read's body to be
 * consumed, and a read for the write.
 */
export function replaceObjectsWhole(store: ObjectStore): void {
  const tails = new Map<string, Promise<void>>();
  /** Waits for the key's earlier holders; resolves with the function that lets the next one in. */
  const take = async (bucket: string, key: string): Promise<() => void> => {
    const id = `${bucket}/${key}`;
    const before = tails.get(id) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before.then(() => mine);
    tails.set(id, tail);
    void tail.then(() => {
      if (tails.get(id) === tail) tails.delete(id);
    });
    await before;
    return release;
  };
  const inTurn = async <T>(bucket: string, key: string, work: () => Promise<T>): Promise<T> => {
    const release = await take(bucket, key);
    try {
      return await work();
    } finally {
      release();
    }
  };

  const { getObject, copyObject, deleteObject } = store;
  store.putObject = (object) =>
    inTurn(object.bucket, object.key, async () => {
      const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
      // Not listed: s3rver lists only the files that end in its object suffix.
      const written = `${objectPath}.${randomUUID()}.part`;
      await mkdir(dirname(objectPath), { recursive: true });
      const md5 = createHash('md5');
      let size = 0;
      try {
        await pipeline(
          Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content,
          new Transform({
            transform(chunk: Buffer, _encoding, callback) {
              md5.update(chunk);
              size += chunk.length;
              callback(null, chunk);
            },
          }),
          createWriteStream(written),
        );
        await rename(written, objectPath);
      } catch (err) {
        await rm(written, { force: true });
        throw err;
      }
      const digest = md5.digest('hex');
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      return { size, md5: digest };
    });
  store.deleteObject = (bucket, key) => inTurn(bucket, key, () => deleteObject.call(store, bucket, key));
  store.copyObject = (srcBucket, srcKey, destBucket, destKey, ...rest) =>
    inTurn(destBucket, destKey, () =>
      copyObject.call(store, srcBucket, srcKey, destBucket, destKey, ...rest),
    );
  store.getObject = async (bucket, key, options) => {
    const release = await take(bucket, key);
    try {
      const object = await getObject.call(store, bucket, key, options);
      const body = object?.content;
      if (!body) {
        release();
        return object;
      }
      // Held until the body has been read (or the reader went away).
      body.once('close', release);
      body.once('end', release);
      body.once('error', release);
      return object;
    } catch (err) {
      release();
      throw err;
    }
  };
}
