import { makeS3Client } from '../../src/adapters/clients.ts';
import { S3LinkSigner, S3Reports } from '../../src/adapters/s3-reports.ts';
import { config } from './services.ts';

/** The reports bucket, created at cold start. Pure, as the stores of ./dynamo.ts, so an unused one is left out. */
const { reportsBucket } = config;
const s3 = /* @__PURE__ */ makeS3Client(config);
export const reports = /* @__PURE__ */ new S3Reports(s3, reportsBucket);
export const signer = /* @__PURE__ */ new S3LinkSigner(s3, reportsBucket);
