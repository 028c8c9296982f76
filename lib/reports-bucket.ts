import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * Every report object of a province lives under this prefix: src/keys.ts `reportKeys` lays keys out as
 * `reports/<province>/<unit>/...` (test/infra checks that the two agree). IAM grants are scoped to it.
 */
export const provinceReportsPrefix = (provinceId: string) => `reports/${provinceId}/`;

/** How long S3 server access logs are kept. */
const ACCESS_LOG_RETENTION = Duration.days(365);
/** Overwritten or deleted report versions stay recoverable this long. */
const NONCURRENT_VERSION_RETENTION = Duration.days(30);

/**
 * The private bucket holding generated weekly reports (aggregates per checkpoint and day, no personal data),
 * plus the bucket receiving its S3 server access logs.
 */
export class ReportsBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // S3 log delivery only supports SSE-S3 on the target bucket.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: ACCESS_LOG_RETENTION }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket is the server-access-log target of the reports bucket. Logging it as well would need ' +
        'yet another log bucket (or log into itself, which loops); access to it is audited by CloudTrail.',
    });

    this.bucket = new Bucket(this, 'Reports', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'reports-bucket/',
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: NONCURRENT_VERSION_RETENTION },
        // Tracing exports hold phone numbers in the clear: gone a day after the tracer asked (and every version).
        {
          id: 'expire-tracing-exports',
          prefix: 'exports/',
          expiration: Duration.days(1),
          noncurrentVersionExpiration: Duration.days(1),
        },
        // Import uploads are staff's own spreadsheets, read once by their job; the jobs' records say what happened.
        {
          id: 'expire-import-uploads',
          prefix: 'imports/',
          expiration: Duration.days(30),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      // Reports are the province's record of past weeks: kept when the stack is deleted.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
