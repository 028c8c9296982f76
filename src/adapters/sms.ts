import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SmsRefusedError, type SmsSender } from '../core/alerts.ts';
import { tracer } from './tracer.ts';

/**
 * Exposure alerts through AWS End User Messaging SMS (the `pinpoint-sms-voice-v2` API): one SendTextMessage per
 * phone, TRANSACTIONAL, from the province's phone pool (its sender ID or numbers, registered for Vietnam), so
 * the function's role may send from that pool only (lib/bindings.ts `sms:send`).
 *
 * What the service refuses for this one message — a malformed number, a number opted out or blocked, a text it
 * will not take — throws SmsRefusedError: sending it again would be refused again, so the phone is counted as
 * failed and not retried. A throttle (ThrottlingException; the SDK has already retried it with backoff), a
 * server fault or a misconfiguration (the pool gone, access denied) throws as it came: the phone is delivered
 * again by the queue, and a lasting fault ends in the dead-letter queue, never counted as sent.
 */
export class EndUserMessagingSms implements SmsSender {
  constructor(
    private readonly client: PinpointSMSVoiceV2Client,
    private readonly pool: { originationIdentity: string; configurationSet?: string },
  ) {}

  async send(e164: string, text: string): Promise<void> {
    try {
      await this.client.send(
        new SendTextMessageCommand({
          DestinationPhoneNumber: e164,
          OriginationIdentity: this.pool.originationIdentity,
          MessageBody: text,
          MessageType: 'TRANSACTIONAL',
          ...(this.pool.configurationSet ? { ConfigurationSetName: this.pool.configurationSet } : {}),
        }),
      );
    } catch (err) {
      const refused = refusalOf(err as Error & { Reason?: string });
      if (refused) throw new SmsRefusedError(refused);
      throw err;
    }
  }
}

/** Refusals about this message alone (other ValidationException or ConflictException reasons are the setup's). */
const REFUSED: Readonly<Record<string, readonly string[]>> = {
  ValidationException: ['INVALID_PARAMETER', 'DESTINATION_COUNTRY_BLOCKED', 'CANNOT_ADD_OPTED_OUT_NUMBER'],
  ConflictException: [
    'DESTINATION_PHONE_NUMBER_OPTED_OUT',
    'DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE',
    'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION',
  ],
};

function refusalOf(err: Error & { Reason?: string }): string | undefined {
  const reasons = REFUSED[err.name];
  return reasons && err.Reason && reasons.includes(err.Reason) ? `${err.name} ${err.Reason}` : undefined;
}

/**
 * The client, built once per container: the SDK's adaptive retry paces and retries throttles (5 attempts)
 * before the queue's own redelivery takes over.
 */
export function makeSmsClient(): PinpointSMSVoiceV2Client {
  return tracer.captureAWSv3Client(new PinpointSMSVoiceV2Client({ retryMode: 'adaptive', maxAttempts: 5 }));
}
