import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { makeS3Client, makeS3UploadSigner } from '../../src/adapters/clients.ts';
import { S3ImportJobs } from '../../src/adapters/s3-imports.ts';
import { SqsImportQueue } from '../../src/adapters/sqs-imports.ts';
import { tracer } from '../../src/adapters/tracer.ts';
import { IMPORT_QUEUE_ENV } from '../../src/config.ts';
import type { ImportJobDeps } from '../../src/core/import-jobs.ts';
import type { ImportQueue } from '../../src/core/ports.ts';
import { type ImportRunner, InProcessImportQueue } from '../../src/local/import-queue.ts';
import { registry } from './dynamo.ts';
import { clock, config, events } from './services.ts';

const s3 = makeS3Client(config);
const jobs = new S3ImportJobs(s3, config.reportsBucket, config.provinceId, makeS3UploadSigner(config));

/**
 * LOCAL_IMPORT_PASS_MS, local only: how long one pass of the in-process stand-in runs before it queues the rest,
 * as an invocation stops before its timeout. Tests shorten it to see a job go on over several passes.
 */
const LOCAL_PASS_MS = z.coerce
  .number()
  .int()
  .positive()
  .default(600_000)
  .parse(process.env.LOCAL_IMPORT_PASS_MS || undefined);

/**
 * The local stand-in runs jobs in this process, as process-import does in AWS. Loaded by a path esbuild does not
 * follow: only IMPORT_QUEUE=local (the local stack, run from source) ever takes this, and the Lambda bundles of
 * create-import and get-import stay without the file readers (exceljs, csv-parse) that only process-import needs.
 */
const IMPORT_RUN_MODULE = new URL('../../src/core/import-run.ts', import.meta.url).href;
const runLocally: ImportRunner = async (deps, importId, keepGoing) => {
  const { processImport } = (await import(
    IMPORT_RUN_MODULE
  )) as typeof import('../../src/core/import-run.ts');
  return processImport(deps, importId, keepGoing);
};

function importQueue(env: NodeJS.ProcessEnv = process.env): ImportQueue {
  const target = z
    .union([z.literal('local'), z.url().startsWith('https://sqs.')])
    .safeParse(env[IMPORT_QUEUE_ENV]);
  if (!target.success)
    throw new Error(`Invalid configuration: ${IMPORT_QUEUE_ENV}: 'local' or an SQS queue URL`);
  return target.data === 'local'
    ? new InProcessImportQueue(() => importJobDeps, s3, config.reportsBucket, LOCAL_PASS_MS, runLocally)
    : new SqsImportQueue(tracer.captureAWSv3Client(new SQSClient({})), target.data);
}

/** What starting, following and running an import job needs, in AWS and in the local stand-in. */
export const importJobDeps: ImportJobDeps = {
  units: registry,
  checkpoints: registry,
  jobs,
  uploads: jobs,
  queue: importQueue(),
  events,
  clock,
  ...config,
};
