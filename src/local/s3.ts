import { mkdirSync } from 'node:fs';
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
  const address = (await server.run().catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'EADDRINUSE'
      ? new Error(`Port ${options.port} (the local S3) is in use: set S3_PORT, or PORT, to another one`)
      : err;
  })) as { port: number };
  return { endpoint: `http://127.0.0.1:${address.port}`, stop: () => server.close() };
}
