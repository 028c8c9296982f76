import { Duration, Validations } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type Bucket, type CfnBucket, HttpMethods } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { importUploadCors } from '../src/console-headers.ts';
import { importKeys } from '../src/keys.ts';
import { TIMEOUT_SECONDS } from '../src/routes.ts';

/** A job's message comes back this many times (an S3 or DynamoDB failure) before it goes to the dead letters. */
export const IMPORT_MAX_RECEIVES = 5;

export interface ImportJobsProps {
  provinceId: string;
  reports: Bucket;
}

/**
 * Imports as jobs: each upload under the province's import prefix reaches a queue (the bucket's S3 events on
 * EventBridge, a rule for that prefix), whose consumer (functions/process-import.ts) runs the job and queues its own next step when its
 * invocation's time runs short. One message at a time per invocation; a message that keeps failing goes to the
 * dead-letter queue after IMPORT_MAX_RECEIVES receives, and the job's record still says how far it got.
 */
export class ImportJobs extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  private readonly reports: Bucket;

  constructor(scope: Construct, id: string, props: ImportJobsProps) {
    super(scope, id);
    this.reports = props.reports;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the import jobs queue: a message that failed five times ' +
        'waits here for an operator, and the job record says how far the job got.',
    });
    this.queue = new Queue(this, 'Queue', {
      // SSE-SQS: S3 can send to it without a key policy of our own.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the consumer's timeout, as Lambda's SQS event source asks.
      visibilityTimeout: Duration.seconds(6 * TIMEOUT_SECONDS.heavy),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: IMPORT_MAX_RECEIVES },
    });
    // The upload's arrival, through EventBridge rather than the bucket's own notification settings: those need a
    // CDK custom resource (a helper Lambda with an AWS managed policy) where this is plain CloudFormation.
    const bucket = props.reports.node.defaultChild as CfnBucket;
    bucket.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    new Rule(this, 'Uploaded', {
      description: `An import file uploaded for a job of ${props.provinceId}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.reports.bucketName] },
          object: { key: [{ prefix: importKeys.uploadsPrefix(props.provinceId) }] },
        },
      },
      targets: [new SqsQueue(this.queue)],
    });
  }

  /**
   * The staff console uploads import files from its own origin straight to the bucket (the presigned PUT a job
   * answers): the bucket's CORS lets that origin PUT, with the content type the URL signs, and nothing else.
   */
  allowUploadsFrom(origin: string): void {
    const { allowedOrigins, allowedMethods, allowedHeaders, maxAgeSeconds } = importUploadCors([origin]);
    this.reports.addCorsRule({
      allowedOrigins,
      allowedMethods: allowedMethods.map((method) => HttpMethods[method]),
      allowedHeaders,
      maxAge: maxAgeSeconds,
    });
  }

  /** The consumer: one message per invocation (a job may take the whole invocation), failures reported per message. */
  connect(consumer: LambdaFunction): void {
    consumer.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: 5 }),
    );
  }
}
