import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketCorsCommand } from '@aws-sdk/client-s3';
import { makeDynamoClient, makeS3Client } from '../adapters/clients.ts';
import { DynamoRegistry } from '../adapters/dynamo-registry.ts';
import { DynamoUsers } from '../adapters/dynamo-users.ts';
import { jsonEvents } from '../adapters/events.ts';
import {
  ALERT_SENDING_ENV,
  type Config,
  ENV,
  GATE_ENV,
  IMPORT_QUEUE_ENV,
  loadConfig,
  loadPhoneConfig,
  MAIL_ENV,
  PHONE_ENV,
  type PhoneConfig,
  USERS_ENV,
  WEEKLY_RUNNER_ENV,
} from '../config.ts';
import { importUploadCors } from '../console-headers.ts';
import type { Batching, CountingResult } from '../core/counting.ts';
import type { Role } from '../core/model.ts';
import { rootUnit } from '../core/units.ts';
import { startLocalCounting } from './counting.ts';
import { ensureTables, startDynamoDbLocal, tableName } from './dynamodb.ts';
import { startLocalKms } from './kms.ts';
import { provinceSettings, REPO_ROOT } from './repo.ts';
import { startS3rver } from './s3.ts';
import { startHttpServer } from './server.ts';
import { localSecret, mintToken } from './tokens.ts';

export const DEFAULT_DATA_DIR = join(REPO_ROOT, '.vaora');

export interface LocalStackOptions {
  provinceId: string;
  /** Where DynamoDB Local, s3rver and the token secret keep their data. Omit for a throw-away stack. */
  dataDir?: string;
  port?: number;
  /** Where s3rver listens; fixed by `npm start` so a signed link outlives a restart. Default: any free port. */
  s3Port?: number;
  /** Reuse an already running DynamoDB Local / s3rver (the test suite starts them once per run). */
  dynamodbEndpoint?: string;
  s3Endpoint?: string;
  /** Prefix of table and bucket names: lets several stacks share one DynamoDB Local. */
  namePrefix?: string;
  retentionDays?: number;
  reportLinkTtlSeconds?: number;
  /** How often stored check-ins are counted by themselves (ms; 1 s by default, 0 only by `count()`). */
  countEveryMs?: number;
}

export interface LocalStack {
  url: string;
  config: Config;
  /** The phone vault's configuration: the local KMS key, the hash secret and the stand-in serving both. */
  phones: PhoneConfig;
  dataDir: string;
  /** A staff token; `subject` names a second person of the same role (an alert's approver). */
  token(role: Role, unitId: string, subject?: string): Promise<string>;
  /** The local users table: the staff accounts the console's sign-in checks and the Friday e-mails go to. */
  users: DynamoUsers;
  /** Counts the check-ins stored so far (the scheduled counting step, src/local/counting.ts), at once. */
  count(options?: { batching?: Batching }): Promise<CountingResult>;
  stop(): Promise<void>;
}

/** `$VAORA_DATA_DIR/stack.json`: where the running local stack's pieces are. */
export interface StackFile {
  api: string;
  province: string;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  /** The local KMS and Secrets Manager (src/local/kms.ts): one stand-in answers for both. */
  kmsEndpoint: string;
  tables: {
    registry: string;
    checkins: string;
    activity: string;
    tracing: string;
    audit: string;
    /** Staff accounts (local only: Cognito in AWS), which the local sign-in reads. */
    users: string;
  };
  bucket: string;
  pid: number;
  startedAt: string;
}

function writeStackFile(file: string, content: StackFile): void {
  // Written whole then renamed: a reader never sees half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(content, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** The local KMS key that seals phone numbers, and the secret of their keyed hash (as the CDK stack makes them). */
const PHONE_KEY_DESCRIPTION = 'vaora phone numbers';
/** The local ECC_NIST_P256 key that signs gate links (lib/gate-links.ts makes it in AWS). */
const GATE_KEY_DESCRIPTION = 'vaora gate links';
const phoneHashSecretName = (provinceId: string) => `vaora/${provinceId}/phone-hash`;

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => ok(port));
    });
  });
}

/**
 * The whole pipeline on this machine: DynamoDB Local, s3rver, a KMS / Secrets Manager stand-in with the
 * province's phone key and hash secret, the tables and bucket as the CDK stack makes them, and the Lambda handlers
 * behind a local API Gateway. The handlers read the same environment variables
 * they read in AWS, so this sets them before the handlers are loaded (one stack per process).
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const temporary = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'vaora-'));
  const prefix = options.namePrefix ?? `vaora-${options.provinceId}`;
  const stops: (() => Promise<unknown> | unknown)[] = [];

  try {
    const port = options.port === 0 ? await freePort() : (options.port ?? 3000);
    let dynamodbEndpoint = options.dynamodbEndpoint;
    if (!dynamodbEndpoint) {
      const ddbPort = await freePort();
      dynamodbEndpoint = `http://127.0.0.1:${ddbPort}`;
      const db = makeDynamoClient({ dynamodbEndpoint });
      const ddb = await startDynamoDbLocal({
        port: ddbPort,
        client: db,
        ...(temporary ? {} : { path: join(dataDir, 'dynamodb') }),
      });
      stops.push(ddb.stop);
    }
    const bucket = `${prefix}-reports`;
    let s3Endpoint = options.s3Endpoint;
    if (!s3Endpoint) {
      const s3Port = options.s3Port ?? (await freePort());
      const s3 = await startS3rver({ port: s3Port, directory: join(dataDir, 's3'), bucket });
      s3Endpoint = s3.endpoint;
      stops.push(s3.stop);
    }
    const db = makeDynamoClient({ dynamodbEndpoint });
    const s3 = makeS3Client({ s3Endpoint });
    await ensureTables(db, prefix);
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: Error) => {
      if (!/BucketAlready(Exists|OwnedByYou)/.test(err.name)) throw err;
    });
    // The console PUTs import files to this bucket from its own origin, as the deployed bucket allows it to.
    const { allowedOrigins, allowedMethods, allowedHeaders, maxAgeSeconds } = importUploadCors([
      `http://127.0.0.1:${port}`,
      `http://localhost:${port}`,
    ]);
    await s3.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: allowedOrigins,
              AllowedMethods: [...allowedMethods],
              AllowedHeaders: allowedHeaders,
              MaxAgeSeconds: maxAgeSeconds,
            },
          ],
        },
      }),
    );

    // Cheap (an in-process HTTP server), so every stack has its own; its keys live in the data folder.
    const kms = await startLocalKms({
      dataDir,
      keys: [PHONE_KEY_DESCRIPTION],
      signingKeys: [GATE_KEY_DESCRIPTION],
      secrets: [phoneHashSecretName(options.provinceId)],
    });
    stops.push(kms.stop);

    const province = provinceSettings(options.provinceId);
    Object.assign(process.env, {
      [ENV.provinceId]: options.provinceId,
      [ENV.registryTable]: tableName(prefix, 'registry'),
      [ENV.checkinsTable]: tableName(prefix, 'checkins'),
      [ENV.activityTable]: tableName(prefix, 'activity'),
      [ENV.tracingTable]: tableName(prefix, 'tracing'),
      [ENV.auditTable]: tableName(prefix, 'audit'),
      [ENV.auditRetentionDays]: String(province.auditRetentionDays),
      [ENV.contactMinOverlapMinutes]: String(province.contactMinOverlapMinutes),
      [ENV.reportsBucket]: bucket,
      [ENV.publicBaseUrl]: `http://127.0.0.1:${port}`,
      [ENV.retentionDays]: String(options.retentionDays ?? province.retentionDays),
      [ENV.reportLinkTtlSeconds]: String(options.reportLinkTtlSeconds ?? province.reportLinkTtlSeconds),
      [ENV.namingRule]: province.namingRule,
      [ENV.alertApprovalCap]: String(province.alertApprovalCap),
      [ENV.dynamodbEndpoint]: dynamodbEndpoint,
      [ENV.s3Endpoint]: s3Endpoint,
      [PHONE_ENV.phoneKeyId]: kms.keyArn(PHONE_KEY_DESCRIPTION),
      [PHONE_ENV.phoneHashSecretArn]: kms.secretArn(phoneHashSecretName(options.provinceId)),
      [PHONE_ENV.kmsEndpoint]: kms.endpoint,
      // Gate links are signed and checked by the very KMS adapter, against the stand-in (src/adapters/gate-tokens.ts).
      [GATE_ENV.gateKeyId]: kms.keyArn(GATE_KEY_DESCRIPTION),
      // The weekly run's state machine has a stand-in here: the same tasks, in process (src/local/weekly-runner.ts).
      [WEEKLY_RUNNER_ENV]: 'local',
      // The imports queue and the bucket's upload event have a stand-in here too (src/local/import-queue.ts).
      [IMPORT_QUEUE_ENV]: 'local',
      // Approved alerts are queued in process and their texts land in the data folder's outbox.
      [ALERT_SENDING_ENV.queue]: 'local',
      [ALERT_SENDING_ENV.smsOutboxDir]: dataDir,
      // Staff accounts: the local users table stands in for the Cognito user pool (src/adapters/dynamo-users.ts).
      [USERS_ENV.usersTable]: tableName(prefix, 'users'),
      // The Friday delivery: an in-process queue, `.eml` files in <data>/outbox/mail/, to the accounts of the local
      // users table (functions/commons/mail.ts).
      [MAIL_ENV.reportMail]: 'local',
      [MAIL_ENV.mailFrom]: province.reportMail?.from ?? `"Vaora ${province.name}" <bao-cao@localhost>`,
      [MAIL_ENV.consoleUrl]: `http://127.0.0.1:${port}/console/`,
      VAORA_DATA_DIR: dataDir,
      // Powertools (functions/commons/observability.ts): one service for every function served here; no EMF
      // lines (no CloudWatch to read them, and the terminal is for people) and no X-Ray.
      POWERTOOLS_SERVICE_NAME: process.env.POWERTOOLS_SERVICE_NAME ?? 'vaora-local',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    const secret = localSecret(dataDir);
    // Staff accounts: the console's local sign-in and the Friday delivery read them (src/adapters/dynamo-users.ts).
    const users = new DynamoUsers(db, tableName(prefix, 'users'));
    const { server, url } = await startHttpServer({
      port,
      secret,
      credentials: users,
      throttle: province.throttle,
      consoleConnect: [new URL(s3Endpoint).origin],
    });
    stops.push(() => new Promise((ok) => server.close(ok)));
    const config = loadConfig();
    const phones = loadPhoneConfig();
    // The scheduled counting function's stand-in: the check-ins table's stream, counted every second.
    const counting = startLocalCounting({
      ...(options.countEveryMs !== undefined ? { everyMs: options.countEveryMs } : {}),
      db,
      dynamodbEndpoint,
      checkinsTable: config.checkinsTable,
      activityTable: config.activityTable,
      events: jsonEvents(),
    });
    stops.push(counting.stop);
    // What tools and tests read instead of guessing ports; gone again when the stack stops.
    const stackFile = join(dataDir, 'stack.json');
    writeStackFile(stackFile, {
      api: url,
      province: options.provinceId,
      dynamodbEndpoint,
      s3Endpoint,
      kmsEndpoint: kms.endpoint,
      tables: {
        registry: config.registryTable,
        checkins: config.checkinsTable,
        activity: config.activityTable,
        tracing: config.tracingTable,
        audit: config.auditTable,
        users: tableName(prefix, 'users'),
      },
      bucket,
      pid: process.pid,
      startedAt: new Date().toISOString(),
    });
    stops.push(() => rmSync(stackFile, { force: true }));

    // The province's root unit: in AWS an admin creates it once after deploying (see README).
    const registry = new DynamoRegistry(db, config.registryTable);
    await registry.createUnit(rootUnit(options.provinceId, province.name, new Date().toISOString()));

    return {
      url,
      config,
      phones,
      dataDir,
      token: (role, unitId, subject) => mintToken(secret, { role, unitId, ...(subject ? { subject } : {}) }),
      users,
      count: (options) => counting.countNow(options),
      stop: async () => {
        for (const stop of stops.reverse()) await stop();
        db.destroy();
        s3.destroy();
        if (temporary) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop();
    throw err;
  }
}
