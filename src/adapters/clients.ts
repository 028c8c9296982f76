import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config.ts';

/**
 * The AWS SDK clients. In Lambda the region and credentials come from the runtime; locally the endpoints point
 * at DynamoDB Local and s3rver, which need path-style URLs and no flexible checksums (else streamed uploads are
 * stored with their chunk framing).
 */
export function makeClients(config: Pick<Config, 'dynamodbEndpoint' | 's3Endpoint'>) {
  // Local stand-ins accept these fixed credentials (s3rver's documented pair); AWS uses the Lambda role.
  const local = {
    region: 'ap-southeast-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  };
  const dynamo = new DynamoDBClient(
    config.dynamodbEndpoint ? { ...local, endpoint: config.dynamodbEndpoint } : {},
  );
  const db = DynamoDBDocumentClient.from(dynamo, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const s3 = new S3Client(
    config.s3Endpoint
      ? {
          ...local,
          endpoint: config.s3Endpoint,
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {},
  );
  return { db, s3 };
}
