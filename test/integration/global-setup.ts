import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { startDynamoDbLocal } from '../../src/local/dynamodb.ts';
import { startS3rver } from '../../src/local/s3.ts';
import { freePort } from '../../src/local/stack.ts';

/** DynamoDB Local takes seconds to start: once per test run, shared by every integration file. */
export default async function setup(project: TestProject) {
  const port = await freePort();
  const dynamodbEndpoint = `http://127.0.0.1:${port}`;
  const db = makeDynamoClient({ dynamodbEndpoint });
  const ddb = await startDynamoDbLocal({ port, client: db });
  const dir = mkdtempSync(join(tmpdir(), 'vaora-test-s3-'));
  const s3 = await startS3rver({ port: await freePort(), directory: dir, bucket: 'vaora-test-shared' });
  project.provide('dynamodbEndpoint', dynamodbEndpoint);
  project.provide('s3Endpoint', s3.endpoint);
  return async () => {
    await s3.stop();
    await ddb.stop();
    db.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    s3Endpoint: string;
  }
}
