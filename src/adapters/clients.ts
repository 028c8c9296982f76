import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config, PhoneConfig } from '../config.ts';
import { tracer } from './tracer.ts';

/**
 * The AWS SDK clients. In Lambda the region and credentials come from the runtime; locally the endpoints point
 * at DynamoDB Local, s3rver and the KMS / Secrets Manager stand-in (src/local/kms.ts). One function per client,
 * so a Lambda that never touches S3 or KMS never bundles its client. In Lambda each call is an X-Ray subsegment
 * (./tracer.ts); elsewhere the client is returned as it is.
 */

// Local stand-ins accept these fixed credentials (s3rver's documented pair); AWS uses the Lambda role.
const LOCAL = { region: 'ap-southeast-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };

export function makeDynamoClient(config: Pick<Config, 'dynamodbEndpoint'>): DynamoDBDocumentClient {
  const dynamo = tracer.captureAWSv3Client(
    new DynamoDBClient(config.dynamodbEndpoint ? { ...LOCAL, endpoint: config.dynamodbEndpoint } : {}),
  );
  return DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
}

/** s3rver needs path-style URLs and no flexible checksums (else streamed uploads keep their chunk framing). */
export function makeS3Client(config: Pick<Config, 's3Endpoint'>): S3Client {
  return tracer.captureAWSv3Client(
    new S3Client(
      config.s3Endpoint
        ? {
            ...LOCAL,
            endpoint: config.s3Endpoint,
            forcePathStyle: true,
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }
        : {},
    ),
  );
}

/**
 * A client for presigning PUTs a browser or `vaora import` sends: no flexible checksum. By default the SDK signs
 * `x-amz-checksum-crc32` of the request it presigns, which has no body, into the URL, so S3 refuses every real
 * file sent to it (BadDigest); the uploader computes no checksum of its own.
 */
export function makeS3UploadSigner(config: Pick<Config, 's3Endpoint'>): S3Client {
  if (config.s3Endpoint) return makeS3Client(config);
  return new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
}

/** KMS: locally the stand-in, which speaks KMS's JSON protocol. */
export function makeKmsClient(config: Pick<PhoneConfig, 'kmsEndpoint'>): KMSClient {
  return tracer.captureAWSv3Client(
    new KMSClient(config.kmsEndpoint ? { ...LOCAL, endpoint: config.kmsEndpoint } : {}),
  );
}

/** Secrets Manager: locally the same stand-in as KMS, which speaks both services' JSON protocol. */
export function makeSecretsClient(config: Pick<PhoneConfig, 'kmsEndpoint'>): SecretsManagerClient {
  return tracer.captureAWSv3Client(
    new SecretsManagerClient(config.kmsEndpoint ? { ...LOCAL, endpoint: config.kmsEndpoint } : {}),
  );
}
