import {
  ConflictException,
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EndUserMessagingSms } from '../../src/adapters/sms.ts';
import { SqsAlertQueue } from '../../src/adapters/sqs-alerts.ts';
import { type AlertBatch, SmsRefusedError } from '../../src/core/alerts.ts';
import { InProcessAlertQueue } from '../../src/local/alert-queue.ts';

/** The alert sending's AWS adapters against the SDK's answers, success and failure; the local queue's redelivery. */

const sms = mockClient(PinpointSMSVoiceV2Client);
const sqs = mockClient(SQSClient);
const POOL = 'arn:aws:sms-voice:ap-southeast-1:111122223333:pool/pool-0123456789abcdef';
beforeEach(() => {
  sms.reset();
  sqs.reset();
});

describe('EndUserMessagingSms', () => {
  const sender = () =>
    new EndUserMessagingSms(sms as unknown as PinpointSMSVoiceV2Client, { originationIdentity: POOL });

  it('sends one transactional text from the province pool', async () => {
    sms.on(SendTextMessageCommand).resolves({ MessageId: 'm1' });
    await sender().send('+84912000001', 'Bạn có thể đã tiếp xúc');
    expect(sms.commandCalls(SendTextMessageCommand).map((c) => c.args[0].input)).toEqual([
      {
        DestinationPhoneNumber: '+84912000001',
        OriginationIdentity: POOL,
        MessageBody: 'Bạn có thể đã tiếp xúc',
        MessageType: 'TRANSACTIONAL',
      },
    ]);
  });

  it('throws a throttle as it came, never as a refusal: the phone is delivered again, not counted', async () => {
    sms.on(SendTextMessageCommand).rejects(new ThrottlingException({ message: 'slow down', $metadata: {} }));
    const err = await sender()
      .send('+84912000001', 'x')
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(ThrottlingException);
    expect(err).not.toBeInstanceOf(SmsRefusedError);
  });

  it('refuses for good a number opted out, and a parameter the service rejects', async () => {
    sms
      .on(SendTextMessageCommand)
      .rejectsOnce(
        new ConflictException({
          message: 'opted out',
          $metadata: {},
          Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
          ResourceType: 'opt-out-list',
          ResourceId: 'default',
        }),
      )
      .rejectsOnce(new ValidationException({ message: 'bad', $metadata: {}, Reason: 'INVALID_PARAMETER' }));
    await expect(sender().send('+84912000001', 'x')).rejects.toThrow(
      new SmsRefusedError('ConflictException DESTINATION_PHONE_NUMBER_OPTED_OUT'),
    );
    await expect(sender().send('+84912000001', 'x')).rejects.toBeInstanceOf(SmsRefusedError);
  });

  it('throws a setup fault (an identity not valid for Vietnam) as it came, to end in the dead-letter queue', async () => {
    sms.on(SendTextMessageCommand).rejects(
      new ValidationException({
        message: 'bad identity',
        $metadata: {},
        Reason: 'INVALID_IDENTITY_FOR_DESTINATION_COUNTRY',
      }),
    );
    await expect(sender().send('+84912000001', 'x')).rejects.toBeInstanceOf(ValidationException);
  });
});

const batch = (n: number): AlertBatch => ({
  alertId: `a${n}`,
  recipients: [{ phoneHash: `h${n}`, sealedPhone: `s${n}`, place: 'Chợ' }],
});

describe('SqsAlertQueue', () => {
  const queue = () => new SqsAlertQueue(sqs as unknown as SQSClient, 'https://sqs.example/q');

  it('sends the batches ten messages per SendMessageBatch', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    await queue().enqueue(Array.from({ length: 23 }, (_, i) => batch(i)));
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries?.length)).toEqual([10, 10, 3]);
    expect(calls[0]!.QueueUrl).toBe('https://sqs.example/q');
    expect(JSON.parse(calls[2]!.Entries![2]!.MessageBody!)).toEqual(batch(22));
  });

  it('sends the entries SQS failed once more, and only those', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Failed: [] });
    await queue().enqueue([batch(0), batch(1)]);
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries!.map((e) => e.Id))).toEqual([['0', '1'], ['1']]);
  });

  it('throws when an entry fails twice, or the call fails, so the approval is answered not queued', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    await expect(queue().enqueue([batch(0)])).rejects.toMatchObject({ name: 'AlertEnqueueError' });
    sqs.on(SendMessageBatchCommand).rejects(new Error('network'));
    await expect(queue().enqueue([batch(0)])).rejects.toThrow('network');
  });
});

describe('InProcessAlertQueue', () => {
  it('delivers each batch in the background, again while phones wait for a retry, up to its receive count', async () => {
    const seen: string[] = [];
    let failures = 2;
    const queue = new InProcessAlertQueue(
      async (b) => {
        seen.push(b.alertId);
        if (b.alertId === 'a1' && failures-- > 0) return { retry: ['h1'], paused: false };
        if (b.alertId === 'a2') throw new Error('store down');
        return { retry: [], paused: false };
      },
      { maxReceives: 3, retryDelayMs: 1, concurrency: 1 },
    );
    await queue.enqueue([batch(0), batch(1), batch(2)]);
    await queue.idle();
    expect(seen).toEqual(['a0', 'a1', 'a1', 'a1', 'a2', 'a2', 'a2']);
  });

  it('delivers a few batches at once, each once when nothing fails', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: string[] = [];
    const queue = new InProcessAlertQueue(
      async (b) => {
        most = Math.max(most, ++inFlight);
        await new Promise((ok) => setTimeout(ok, 5));
        seen.push(b.alertId);
        inFlight--;
        return { retry: [], paused: false };
      },
      { maxReceives: 5, retryDelayMs: 1, concurrency: 3 },
    );
    await queue.enqueue(Array.from({ length: 10 }, (_, i) => batch(i)));
    await queue.idle();
    expect(most).toBe(3);
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `a${i}`).sort());
  });
});
