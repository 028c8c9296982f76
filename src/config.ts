import * as z from 'zod';
import { DEFAULT_NAMING_RULE, isNamingRule } from './core/naming.ts';

/**
 * Runtime configuration, parsed once at cold start from the environment. A missing or malformed variable
 * fails the start with the variable named: there are no silent defaults for anything that differs per stack.
 * CDK (lib/) and the local stack (src/local/) set exactly these variables.
 */
export const ENV = {
  provinceId: 'PROVINCE_ID',
  registryTable: 'REGISTRY_TABLE',
  checkinsTable: 'CHECKINS_TABLE',
  activityTable: 'ACTIVITY_TABLE',
  /** Cases (and, with the alerts, their drafts): who may trace, for what. */
  tracingTable: 'TRACING_TABLE',
  /** The append-only audit trail of tracing. */
  auditTable: 'AUDIT_TABLE',
  reportsBucket: 'REPORTS_BUCKET',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  retentionDays: 'RETENTION_DAYS',
  reportLinkTtlSeconds: 'REPORT_LINK_TTL_SECONDS',
  /** How long audit records are kept (days): longer than the check-ins they are about. */
  auditRetentionDays: 'AUDIT_RETENTION_DAYS',
  /** A contact is two visits that overlap at least this long, unless a query says otherwise (minutes). */
  contactMinOverlapMinutes: 'CONTACT_MIN_OVERLAP_MINUTES',
  /** The province's naming rule for checkpoints, a template (src/core/naming.ts). */
  namingRule: 'NAMING_RULE',
  /** Above this many recipients an exposure alert is approved by an admin only. */
  alertApprovalCap: 'ALERT_APPROVAL_CAP',
  /** Only set locally: DynamoDB Local and s3rver endpoints. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  s3Endpoint: 'S3_ENDPOINT',
} as const;

/**
 * Who runs the weekly run: the state machine's ARN (lib/weekly-run.ts sets it on the function that starts a
 * run), or `local`, the in-process stand-in of src/local/ (the local stack sets it). Not in ENV: only that
 * function reads it, at its cold start (functions/commons/weekly.ts), and fails the start without it.
 */
export const WEEKLY_RUNNER_ENV = 'WEEKLY_RUNNER';

/**
 * Where import jobs go on: the imports queue's URL (lib/imports.ts sets it on the functions that start and run
 * jobs), or `local`, the in-process stand-in (src/local/import-queue.ts). Read at their cold start
 * (functions/commons/imports.ts).
 */
export const IMPORT_QUEUE_ENV = 'IMPORT_QUEUE';

/**
 * Where approved alerts' batches go: the SQS queue's URL (lib/alert-sending.ts sets it on the functions bound to
 * `alerts:enqueue`), or `local`, the in-process stand-in of src/local/alert-queue.ts. And how the consumer sends a
 * text: from the province's End User Messaging SMS pool (SMS_ORIGINATION_IDENTITY, its ARN or id, set on the
 * function bound to `sms:send`), or locally into the outbox of a data folder (SMS_OUTBOX_DIR). Read at cold start
 * by functions/commons/alert-sending.ts only.
 */
export const ALERT_SENDING_ENV = {
  queue: 'ALERT_QUEUE',
  smsOriginationIdentity: 'SMS_ORIGINATION_IDENTITY',
  smsOutboxDir: 'SMS_OUTBOX_DIR',
} as const;

/**
 * SigV4 allows 7 days, but a link signed with a Lambda role's temporary credentials dies with them, which can be
 * within the hour: so an hour is the most we promise.
 */
export const MAX_LINK_TTL_SECONDS = 3600;

const schema = z.object({
  provinceId: z.string().regex(/^[a-z0-9-]+$/),
  registryTable: z.string().min(1),
  checkinsTable: z.string().min(1),
  activityTable: z.string().min(1),
  tracingTable: z.string().min(1),
  auditTable: z.string().min(1),
  reportsBucket: z.string().min(1),
  publicBaseUrl: z.url(),
  retentionDays: z.coerce.number().int().min(1).max(366),
  reportLinkTtlSeconds: z.coerce.number().int().min(1).max(MAX_LINK_TTL_SECONDS),
  auditRetentionDays: z.coerce.number().int().min(30).max(3660),
  contactMinOverlapMinutes: z.coerce.number().int().min(0).max(1440),
  alertApprovalCap: z.coerce.number().int().min(1).max(10_000_000),
  namingRule: z.string().refine(isNamingRule, 'a template with {placeName} and only known fields'),
  dynamodbEndpoint: z.url().optional(),
  s3Endpoint: z.url().optional(),
});

export type Config = z.infer<typeof schema>;

export const DEFAULTS = {
  retentionDays: 28,
  reportLinkTtlSeconds: 900,
  auditRetentionDays: 365,
  contactMinOverlapMinutes: 15,
  alertApprovalCap: 5_000,
  namingRule: DEFAULT_NAMING_RULE,
} as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parseEnv(ENV, schema, env);
}

/**
 * What the functions that touch phone numbers need besides `Config`: the province's KMS key (envelope
 * encryption of the numbers) and the Secrets Manager secret of the keyed hash that lookups use. Only those
 * functions load it (functions/commons/phones.ts), and CDK sets it only on them: a function that never sees a
 * phone number neither needs nor knows these.
 */
export const PHONE_ENV = {
  /** The KMS key's ARN. */
  phoneKeyId: 'PHONE_KEY_ID',
  /** The ARN of the secret holding the HMAC key of the phones' keyed hash. */
  phoneHashSecretArn: 'PHONE_HASH_SECRET_ARN',
  /** Only set locally: the stand-in that answers for both KMS and Secrets Manager (src/local/kms.ts). */
  kmsEndpoint: 'KMS_ENDPOINT',
} as const;

const phoneSchema = z.object({
  phoneKeyId: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/, 'a KMS key ARN'),
  phoneHashSecretArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/, 'a secret ARN'),
  kmsEndpoint: z.url().optional(),
});

export type PhoneConfig = z.infer<typeof phoneSchema>;

export function loadPhoneConfig(env: NodeJS.ProcessEnv = process.env): PhoneConfig {
  return parseEnv(PHONE_ENV, phoneSchema, env);
}

/**
 * The gate links' signing key (src/core/gate-links.ts): an ECC_NIST_P256 KMS key. CDK sets it only on the function
 * that makes gate links (kms:Sign) and the authorizer that checks them (kms:GetPublicKey); locally the stand-in
 * of src/local/kms.ts holds it (KMS_ENDPOINT).
 */
export const GATE_ENV = {
  gateKeyId: 'GATE_KEY_ID',
  kmsEndpoint: PHONE_ENV.kmsEndpoint,
} as const;

const gateSchema = z.object({
  gateKeyId: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]+$/, 'a KMS key ARN'),
  kmsEndpoint: z.url().optional(),
});

export type GateConfig = z.infer<typeof gateSchema>;

export function loadGateConfig(env: NodeJS.ProcessEnv = process.env): GateConfig {
  return parseEnv(GATE_ENV, gateSchema, env);
}

/**
 * The Friday delivery (src/core/report-mail.ts). `REPORT_MAIL` is read by the weekly run's unit task (and the local
 * runner): where it drops a notice for each report stored. `MAIL_FROM` and `CONSOLE_URL` are read by the mailer.
 * lib/bindings.ts sets them with the `mail:*` bindings; the local stack sets all three.
 */
export const MAIL_ENV = {
  /** An SQS queue URL, `local` (the in-process queue of src/local/mail-queue.ts), or `off` (no e-mail). */
  reportMail: 'REPORT_MAIL',
  /** The From header: an address of the province's SES identity, optionally with a name (`"Vaora" <a@b.vn>`). */
  mailFrom: 'MAIL_FROM',
  /** The staff console's base URL (its `/console/` page): the e-mail links into it, never to a signed link. */
  consoleUrl: 'CONSOLE_URL',
} as const;

const noticeSchema = z.object({
  reportMail: z.union([z.literal('off'), z.literal('local'), z.url().startsWith('https://sqs.')]),
});

/** A From value: an address, or `Name <address>` (the name may be quoted and hold Vietnamese). */
export const MAIL_FROM_PATTERN = /^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/;

const mailerSchema = z.object({
  mailFrom: z.string().regex(MAIL_FROM_PATTERN, 'an e-mail address, or "Name <address>"'),
  consoleUrl: z.url(),
});

export type NoticeConfig = z.infer<typeof noticeSchema>;
export type MailerConfig = z.infer<typeof mailerSchema>;

export function loadNoticeConfig(env: NodeJS.ProcessEnv = process.env): NoticeConfig {
  return parseEnv({ reportMail: MAIL_ENV.reportMail }, noticeSchema, env);
}

export function loadMailerConfig(env: NodeJS.ProcessEnv = process.env): MailerConfig {
  return parseEnv({ mailFrom: MAIL_ENV.mailFrom, consoleUrl: MAIL_ENV.consoleUrl }, mailerSchema, env);
}

function parseEnv<T>(names: Record<string, string>, parser: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  const raw = Object.fromEntries(Object.entries(names).map(([key, name]) => [key, env[name] || undefined]));
  const parsed = parser.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${names[String(i.path[0])]}: ${i.message}`);
    throw new Error(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * Where the staff accounts are (src/core/users.ts UserDirectory), for the functions bound to `users:*` only: the
 * province's Cognito user pool in AWS (CDK sets USER_POOL_ID on them), the local users table on this machine
 * (the local stack sets USERS_TABLE). Exactly one.
 */
export const USERS_ENV = { userPoolId: 'USER_POOL_ID', usersTable: 'USERS_TABLE' } as const;

const usersSchema = z
  .object({
    userPoolId: z
      .string()
      .regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'a Cognito user pool id')
      .optional(),
    usersTable: z.string().min(1).optional(),
  })
  .refine((c) => (c.userPoolId === undefined) !== (c.usersTable === undefined), {
    message: 'Set exactly one of USER_POOL_ID (AWS) and USERS_TABLE (local)',
    path: ['userPoolId'],
  });

export type UsersConfig = z.infer<typeof usersSchema>;

export function loadUsersConfig(env: NodeJS.ProcessEnv = process.env): UsersConfig {
  return parseEnv(USERS_ENV, usersSchema, env);
}
