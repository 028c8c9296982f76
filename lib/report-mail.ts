import { Duration, Validations } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TIMEOUT_SECONDS } from '../src/routes.ts';

/**
 * Delivery attempts of one notice before it waits in the dead-letter queue: five, a visibility timeout apart
 * (a minute), so an SES throttle or a short outage is ridden out and a lasting fault is kept for 14 days.
 */
export const MAIL_MAX_RECEIVES = 5;
/** Mailers at once: SES's sending rate is the province account's, shared with nothing else of vaora's. */
export const MAIL_MAX_CONCURRENCY = 2;

/**
 * The Friday delivery (issue 12 item 7) apart from the run: the per-unit task sends a notice to this queue when
 * it has stored a unit's report (SendMessage is all it may do here), and the mailer function
 * (functions/send-report-mail.ts) consumes it one notice at a time, reporting a failed notice as a batch item
 * failure, so SQS retries it alone. Why a queue rather than S3 or EventBridge events on the report objects: the
 * notice says exactly which report is complete (its JSON is the last file a unit's task writes, but the run's own
 * records share the prefix), the local stack runs the same core with an in-process queue, and the retries and the
 * dead-letter queue come with it. Both queues are encrypted (SQS-managed keys: no KMS grant needed) and TLS-only.
 */
export class ReportMail extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the dead-letter queue of the report e-mails' queue; cdk-nag only recognises SQS " +
        'redrive policies and Lambda DeadLetterConfig.',
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the mailer's timeout, as Lambda's SQS event source asks: a slow attempt is never delivered twice.
      visibilityTimeout: Duration.seconds(6 * TIMEOUT_SECONDS.api),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAIL_MAX_RECEIVES },
    });
  }

  /** The mailer consumes the queue: one notice per invocation, failures reported per item. */
  consumeWith(mailer: LambdaFunction) {
    mailer.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: MAIL_MAX_CONCURRENCY,
      }),
    );
  }
}
