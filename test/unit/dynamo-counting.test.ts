import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoCheckinStream } from '../../src/adapters/dynamo-counting.ts';

/** The stream adapter against DynamoDB Streams' answers: what counting learns of each new check-in. */

const streams = mockClient(DynamoDBStreamsClient);
const dynamo = mockClient(DynamoDBClient);
const ARN = 'arn:aws:dynamodb:ap-southeast-1:111111111111:table/checkins/stream/2026-12-03T00:00:00.000';

beforeEach(() => {
  streams.reset();
  dynamo.reset();
  dynamo.onAnyCommand().resolves({ Table: { LatestStreamArn: ARN } });
  streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-1' });
});

const insert = (seq: string, receivedAt: string | undefined): _Record => ({
  eventName: 'INSERT',
  dynamodb: {
    SequenceNumber: seq,
    // DynamoDB Streams rounds its own time down to the minute.
    ApproximateCreationDateTime: new Date('2026-12-03T02:07:00Z'),
    NewImage: {
      sk: { S: 'checkin#c1' },
      unitId: { S: 'quang-ha' },
      day: { S: '2026-12-03' },
      checkpointId: { S: 'cp-1' },
      companions: { N: '2' },
      ...(receivedAt ? { receivedAt: { S: receivedAt } } : {}),
    },
  },
});

describe('DynamoCheckinStream', () => {
  it('times each check-in by its receivedAt, or by the stream’s own time when the item has none', async () => {
    streams.on(GetRecordsCommand).resolves({
      Records: [insert('100', '2026-12-03T02:07:41.250Z'), insert('101', undefined)],
      NextShardIterator: 'it-2',
    });
    const stream = new DynamoCheckinStream(
      dynamo as unknown as DynamoDBClient,
      streams as unknown as DynamoDBStreamsClient,
      'checkins',
    );
    const page = await stream.read('shardId-1', '99');
    expect(page).toEqual({
      checkins: [
        {
          seq: '100',
          unitId: 'quang-ha',
          day: '2026-12-03',
          checkpointId: 'cp-1',
          companions: 2,
          storedAt: Date.parse('2026-12-03T02:07:41.250Z'),
        },
        {
          seq: '101',
          unitId: 'quang-ha',
          day: '2026-12-03',
          checkpointId: 'cp-1',
          companions: 2,
          storedAt: Date.parse('2026-12-03T02:07:00Z'),
        },
      ],
      last: '101',
      ended: false,
    });
    expect(streams.commandCalls(GetShardIteratorCommand)[0]!.args[0].input).toMatchObject({
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      SequenceNumber: '99',
    });
  });

  it('fails the round when DynamoDB Streams refuses a read', async () => {
    streams.on(GetRecordsCommand).rejects(new Error('ExpiredIteratorException'));
    const stream = new DynamoCheckinStream(
      dynamo as unknown as DynamoDBClient,
      streams as unknown as DynamoDBStreamsClient,
      'checkins',
    );
    await expect(stream.read('shardId-1', undefined)).rejects.toThrow(/ExpiredIterator/);
  });
});
