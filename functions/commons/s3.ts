import { makeS3Client } from '../../src/adapters/clients.ts';
import { S3LinkSigner, S3Reports } from '../../src/adapters/s3-reports.ts';
import { config } from './services.ts';

/** The reports bucket, created at cold start. */
const s3 = makeS3Client(config);
export const reports = new S3Reports(s3, config.reportsBucket);
export const signer = new S3LinkSigner(s3, config.reportsBucket);
