import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { MessageRejected, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoMailMarkers, SesMailSender, SqsReportNotices } from '../../src/adapters/report-mail.ts';
import { S3Reports } from '../../src/adapters/s3-reports.ts';
import { emailHash } from '../../src/core/report-mail.ts';

/** The Friday delivery's AWS adapters against the services' answers, on success and on failure. */

const ses = mockClient(SESv2Client);
const sqs = mockClient(SQSClient);
const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);

beforeEach(() => {
  ses.reset();
  sqs.reset();
  ddb.reset();
  s3.reset();
});

const mail = { to: 'lan@haiha.example', raw: Buffer.from('From: a@b\r\n\r\nhi'), messageId: 'm@b' };
const notice = {
  unitId: 'hai-ha',
  period: { start: '2022-01-06', end: '2022-01-12' },
  jsonKey: 'reports/quang-ninh/hai-ha/x.json',
  generatedAt: '2022-01-14T08:00:01.000Z',
};

describe('SesMailSender', () => {
  const sender = new SesMailSender(ses as unknown as SESv2Client);

  it("sends the message's own bytes to its recipient (SES v2 raw content)", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    await sender.send(mail);
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.Destination).toEqual({ ToAddresses: ['lan@haiha.example'] });
    expect(Buffer.from(input.Content!.Raw!.Data!).toString()).toBe('From: a@b\r\n\r\nhi');
  });

  it('throws what SES refuses, so the delivery gives the claim back and the notice is retried', async () => {
    ses
      .on(SendEmailCommand)
      .rejects(new MessageRejected({ message: 'Email address is not verified', $metadata: {} }));
    await expect(sender.send(mail)).rejects.toMatchObject({ name: 'MessageRejected' });
  });
});

describe('SqsReportNotices', () => {
  const notices = new SqsReportNotices(sqs as unknown as SQSClient, 'https://sqs.example/q');

  it('sends the notice as one JSON message to the queue', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'sqs-1' });
    await notices.reportStored(notice);
    const input = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(input.QueueUrl).toBe('https://sqs.example/q');
    expect(JSON.parse(input.MessageBody!)).toEqual(notice);
  });

  it('throws when SQS refuses (the unit task logs it and goes on)', async () => {
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    await expect(notices.reportStored(notice)).rejects.toMatchObject({ name: 'ServiceUnavailable' });
  });
});

describe('DynamoMailMarkers', () => {
  const markers = new DynamoMailMarkers(ddb as unknown as DynamoDBDocumentClient, 'registry');
  const hash = emailHash('lan@haiha.example');

  it('claims a recipient with a conditional put of mail#<unit>#<start>#<address hash>, no address in it', async () => {
    ddb.on(PutCommand).resolves({});
    expect(await markers.claim('hai-ha', '2022-01-06', 'Lan@HaiHa.example', '2022-01-14T08:05:00.000Z')).toBe(
      true,
    );
    const input = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      TableName: 'registry',
      Item: { pk: `mail#hai-ha#2022-01-06#${hash}`, sk: 'mail', entity: 'report-mail' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(JSON.stringify(input)).not.toMatch(/lan@/i);
  });

  it('answers false when the recipient was claimed before', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    expect(await markers.claim('hai-ha', '2022-01-06', 'lan@haiha.example', 'now')).toBe(false);
  });

  it('throws any other failure, so nothing is sent and the notice comes again', async () => {
    ddb.on(PutCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(markers.claim('hai-ha', '2022-01-06', 'lan@haiha.example', 'now')).rejects.toThrow(
      'slow down',
    );
  });

  it('gives a claim back by deleting its item', async () => {
    ddb.on(DeleteCommand).resolves({});
    await markers.release('hai-ha', '2022-01-06', 'lan@haiha.example');
    expect(ddb.commandCalls(DeleteCommand)[0]!.args[0].input).toEqual({
      TableName: 'registry',
      Key: { pk: `mail#hai-ha#2022-01-06#${hash}`, sk: 'mail' },
    });
  });
});

describe('S3Reports.getText', () => {
  const reports = new S3Reports(s3 as unknown as S3Client, 'bucket');

  it('reads a stored JSON report as text', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: {
        transformToString: async (encoding?: string) => (encoding === 'utf8' ? '{"a":"Cộng"}' : '?'),
      } as never,
    });
    expect(await reports.getText('k.json')).toBe('{"a":"Cộng"}');
    expect(s3.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'bucket', Key: 'k.json' });
  });

  it('answers undefined for a missing key and throws anything else', async () => {
    s3.on(GetObjectCommand).rejectsOnce(new NoSuchKey({ message: 'no', $metadata: {} }));
    expect(await reports.getText('k.json')).toBeUndefined();
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(reports.getText('k.json')).rejects.toThrow('denied');
  });
});
