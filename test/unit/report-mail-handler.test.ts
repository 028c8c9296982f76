import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMailerConfig, loadNoticeConfig, MAIL_ENV, USERS_ENV } from '../../src/config.ts';
import { LAMBDA_TEST_ENV } from '../lambda-env.ts';

/** The mailer's entry and the Friday delivery's configuration, the AWS SDK mocked. */

const ses = mockClient(SESv2Client);
mockClient(S3Client);
mockClient(DynamoDBDocumentClient);
const cognito = mockClient(CognitoIdentityProviderClient);

beforeAll(() => {
  Object.assign(process.env, LAMBDA_TEST_ENV, {
    [MAIL_ENV.mailFrom]: '"Vaora Quảng Ninh" <bao-cao@quangninh.example>',
    [MAIL_ENV.consoleUrl]: 'https://console.example/console/',
    // The mailer lists the unit's staff in the province's user pool (binding users:read).
    [USERS_ENV.userPoolId]: 'ap-southeast-1_Test00',
  });
});

const sqsEvent = (...bodies: string[]): SQSEvent =>
  ({ Records: bodies.map((body, i) => ({ messageId: `m${i}`, body })) }) as unknown as SQSEvent;

describe('the send-report-mail handler', () => {
  it('reports a malformed notice and one it could not deliver as batch item failures, each alone', async () => {
    const { handler } = await import('../../functions/send-report-mail.ts');
    const notice = {
      unitId: 'hai-ha',
      period: { start: '2022-01-06', end: '2022-01-12' },
      jsonKey: 'reports/quang-ninh/hai-ha/x.json',
      generatedAt: '2022-01-14T08:00:01.000Z',
    };
    // The stored report is not readable (the S3 mock answers nothing): the notice is retried, nothing sent.
    const result = await handler(sqsEvent('not json', JSON.stringify(notice)), {} as Context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }, { itemIdentifier: 'm1' }]);
    expect(ses.calls()).toHaveLength(0);
    expect(cognito.calls()).toHaveLength(0);
  }, 60_000);
});

describe('the Friday delivery configuration', () => {
  it('takes an SQS queue URL, local or off for REPORT_MAIL, and refuses anything else or nothing', () => {
    expect(loadNoticeConfig({ REPORT_MAIL: 'off' }).reportMail).toBe('off');
    expect(loadNoticeConfig({ REPORT_MAIL: 'local' }).reportMail).toBe('local');
    const url = 'https://sqs.ap-southeast-1.amazonaws.com/123456789012/vaora-mail';
    expect(loadNoticeConfig({ REPORT_MAIL: url }).reportMail).toBe(url);
    expect(() => loadNoticeConfig({})).toThrow(/REPORT_MAIL/);
    expect(() => loadNoticeConfig({ REPORT_MAIL: 'https://example.com/q' })).toThrow(/REPORT_MAIL/);
  });

  it('takes a From with or without a name, and a console URL, failing the cold start without them', () => {
    expect(
      loadMailerConfig({ MAIL_FROM: 'bao-cao@quangninh.example', CONSOLE_URL: 'https://c.example/console/' }),
    ).toEqual({ mailFrom: 'bao-cao@quangninh.example', consoleUrl: 'https://c.example/console/' });
    expect(() => loadMailerConfig({ MAIL_FROM: 'bao cao', CONSOLE_URL: 'https://c.example/' })).toThrow(
      /MAIL_FROM/,
    );
    expect(() => loadMailerConfig({ MAIL_FROM: 'a@b.example' })).toThrow(/CONSOLE_URL/);
  });

  it('fails the cold start of the per-unit task without REPORT_MAIL', async () => {
    delete process.env[MAIL_ENV.reportMail];
    await expect(import('../../functions/weekly-run-unit.ts')).rejects.toThrow(/REPORT_MAIL/);
  }, 60_000);
});
