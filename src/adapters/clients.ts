import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.ts';

/**
 * The AWS SDK clients. In Lambda the region and credentials come from the runtime; locally the endpoints point
 * at DynamoDB Local and s3rver. Two functions, so a Lambda that never touches S3 never bundles its client.
 */

// Local stand-ins accept these fixed credentials (s3rver's documented pair); AWS uses the Lambda role.
const LOCAL = { region: 'ap-southeast-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };

export function makeDynamoClient(config: Pick<Config, 'dynamodbEndpoint'>): DynamoDBDocumentClient {
  const dynamo = new DynamoDBClient(
    config.dynamodbEndpoint ? { ...LOCAL, endpoint: config.dynamodbEndpoint } : {},
  );
  return DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
}

/** s3rver needs path-style URLs and no flexible checksums (else streamed uploads keep their chunk framing). */
export function makeS3Client(config: Pick<Config, 's3Endpoint'>): S3Client {
  return new S3Client(
    config.s3Endpoint
      ? {
          ...LOCAL,
          endpoint: config.s3Endpoint,
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {},
  );
}
