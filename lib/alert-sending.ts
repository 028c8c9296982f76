import { Annotations, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TIMEOUT_SECONDS_OF_CONSUMER } from '../src/routes.ts';

/**
 * What the alert queue's numbers come to. A message is one batch of 100 phones (src/core/alerts.ts BATCH_SIZE);
 * a consumer takes one message at a time and sends its texts one after another, about four a second (a few
 * DynamoDB calls and one SendTextMessage each), so a message takes ~25 s. Five consumers at once send about
 * 20 texts a second — the throughput End User Messaging SMS gives a pool by default for a sender ID (its MPS is
 * raised by a quota request; a throttle beyond it is retried by the SDK, then redelivered by SQS). 50,000
 * recipients are 500 messages: about 42 minutes at 20 per second.
 */
export const ALERT_CONSUMER = {
  /** Messages (batches of 100 phones) per invocation. */
  batchSize: 1,
  /** Consumers at once: the province's SMS rate (~20/s) divided by one consumer's (~4/s). */
  maxConcurrency: 5,
  /** Deliveries of one message before it is dead-lettered (a lasting fault: the pool gone, access denied). */
  maxReceiveCount: 5,
} as const;

export interface AlertSendingProps {
  provinceId: string;
  /** The province's End User Messaging SMS pool (cdk.json alertSms.poolId): its id or ARN; absent, a warning. */
  smsPoolId?: string;
}

/**
 * Exposure alerts' sending: the queue that approvals enqueue batches into, its dead-letter queue (redrive after
 * ALERT_CONSUMER.maxReceiveCount deliveries, kept 14 days for an operator's redrive), and — once the functions
 * exist — the consumer's SQS event source with partial batch responses. The consumer's own grants (consuming
 * this queue only) are made by the event source; its others come from its bindings (lib/bindings.ts).
 */
export class AlertSending extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** The pool's ARN, the only origination identity the consumer may send from; undefined when not configured. */
  readonly smsPoolArn: string | undefined;

  constructor(scope: Construct, id: string, props: AlertSendingProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the consumer's timeout, as Lambda advises: a message is not redelivered while still in hand.
      visibilityTimeout: Duration.seconds(6 * TIMEOUT_SECONDS_OF_CONSUMER),
      // An alert is about the last days: one not sent within four is of no use (its messages hold sealed numbers).
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: ALERT_CONSUMER.maxReceiveCount },
    });
    this.smsPoolArn = props.smsPoolId?.startsWith('arn:')
      ? props.smsPoolId
      : props.smsPoolId
        ? Stack.of(this).formatArn({
            service: 'sms-voice',
            resource: 'pool',
            resourceName: props.smsPoolId,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          })
        : undefined;
    if (!this.smsPoolArn) {
      Annotations.of(this).addWarningV2(
        'vaora:alert-sms-pool',
        `Province "${props.provinceId}" has no alertSms.poolId in cdk.json: approved alerts are queued but not ` +
          'sent (the consumer fails its start, and the batches end in the dead-letter queue).',
      );
    }
  }

  /** The queue's consumer: one batch per invocation, a few at once, failed items reported one by one. */
  attachConsumer(consumer: LambdaFunction) {
    consumer.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: ALERT_CONSUMER.batchSize,
        maxConcurrency: ALERT_CONSUMER.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}
