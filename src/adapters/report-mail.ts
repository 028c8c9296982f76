import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type {
  MailMarkers,
  MailSender,
  OutgoingMail,
  ReportNotices,
  ReportStoredNotice,
} from '../core/ports.ts';
import { emailHash } from '../core/report-mail.ts';
import { keys } from '../keys.ts';

/**
 * The Friday delivery's AWS adapters (src/core/report-mail.ts): the weekly run's notices go to an SQS queue, the
 * mailer function consumes it, claims each recipient in DynamoDB and sends through Amazon SES v2.
 */

/** The unit task's side: one SQS message per stored report, the notice as its JSON body. */
export class SqsReportNotices implements ReportNotices {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async reportStored(notice: ReportStoredNotice): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(notice) }),
    );
  }
}

/**
 * One `mail#<unit>#<start>#<address hash>` item per unit, period and recipient in the registry table, put on the
 * condition it is not there (only the delivery that puts it sends), deleted again when the send failed.
 */
export class DynamoMailMarkers implements MailMarkers {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async claim(unitId: string, periodStart: string, email: string, at: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.reportMail(unitId, periodStart, emailHash(email)), entity: 'report-mail', at },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  async release(unitId: string, periodStart: string, email: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({
        TableName: this.table,
        Key: keys.reportMail(unitId, periodStart, emailHash(email)),
      }),
    );
  }
}

/**
 * Amazon SES v2 SendEmail with the message's own bytes (raw content): the headers and parts MailComposer built
 * are what arrives. The From header is the province's identity, which the function's role may send as and nothing
 * else (lib/bindings.ts `mail:send`).
 */
export class SesMailSender implements MailSender {
  constructor(private readonly ses: SESv2Client) {}

  async send(mail: OutgoingMail): Promise<void> {
    await this.ses.send(
      new SendEmailCommand({
        Destination: { ToAddresses: [mail.to] },
        Content: { Raw: { Data: mail.raw } },
      }),
    );
  }
}
