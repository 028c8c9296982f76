import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { makeDynamoClient } from '../../src/adapters/clients.ts';
import { DynamoMailMarkers, SesMailSender, SqsReportNotices } from '../../src/adapters/report-mail.ts';
import { tracer } from '../../src/adapters/tracer.ts';
import { loadMailerConfig, loadNoticeConfig } from '../../src/config.ts';
import type { MailSender, ReportNotices, StaffSubscribers } from '../../src/core/ports.ts';
import { deliverReportMail, type ReportMailDeps } from '../../src/core/report-mail.ts';
import { directorySubscribers } from '../../src/core/users.ts';
import { LocalMailOutbox } from '../../src/local/mail-outbox.ts';
import { LocalMailQueue } from '../../src/local/mail-queue.ts';
import type { JsonReport } from '../../src/render/json.ts';
import { composeReportMail } from '../../src/render/report-mail.ts';
import { reports } from './s3.ts';
import { clock, config, events } from './services.ts';
import { userDirectory } from './user-directory.ts';

/**
 * The Friday delivery's wiring (src/core/report-mail.ts): where the weekly run's notices go (REPORT_MAIL) and what
 * the mailer needs. In AWS: an SQS queue, SES v2, markers in the registry table. Locally (`REPORT_MAIL=local`):
 * an in-process queue, `.eml` files in the data folder's outbox. The recipients are the staff directory's (the
 * console's accounts: Cognito in AWS, the local users table here).
 */

/** The local data folder: only the local stack runs the local queue, and it sets this. */
function localDataDir(): string {
  const dir = process.env.VAORA_DATA_DIR;
  if (!dir) throw new Error('Invalid configuration: VAORA_DATA_DIR: required with REPORT_MAIL=local');
  return dir;
}

export function mailerDeps(
  sender: MailSender,
  subscribers: StaffSubscribers,
  env: NodeJS.ProcessEnv = process.env,
): ReportMailDeps<JsonReport> {
  const { mailFrom, consoleUrl } = loadMailerConfig(env);
  return {
    reports,
    parse: (text) => JSON.parse(text) as JsonReport,
    compose: (report, recipient) =>
      composeReportMail(report, recipient, { from: mailFrom, consoleUrl, date: clock.now() }),
    subscribers,
    markers: new DynamoMailMarkers(makeDynamoClient(config), config.registryTable),
    sender,
    clock,
    events,
  };
}

/** The mailer function's dependencies in AWS. */
export function awsMailerDeps(env: NodeJS.ProcessEnv = process.env): ReportMailDeps<JsonReport> {
  return mailerDeps(
    new SesMailSender(tracer.captureAWSv3Client(new SESv2Client({}))),
    directorySubscribers(userDirectory(config, env)),
    env,
  );
}

/** The local queue, one per process (one local stack per process), built on first use. */
let localQueue: LocalMailQueue | undefined;

export function localMailQueue(): LocalMailQueue {
  if (!localQueue) {
    const dataDir = localDataDir();
    const deps = mailerDeps(new LocalMailOutbox(dataDir, clock), directorySubscribers(userDirectory(config)));
    localQueue = new LocalMailQueue(dataDir, (notice) => deliverReportMail(deps, notice));
  }
  return localQueue;
}

/** Where the weekly run's unit task drops its notices; undefined when the delivery is off. */
export function reportNotices(env: NodeJS.ProcessEnv = process.env): ReportNotices | undefined {
  const { reportMail } = loadNoticeConfig(env);
  if (reportMail === 'off') return undefined;
  if (reportMail === 'local') return localMailQueue();
  return new SqsReportNotices(tracer.captureAWSv3Client(new SQSClient({})), reportMail);
}
