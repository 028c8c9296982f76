import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SmsRefusedError, type SmsSender } from '../core/alerts.ts';
import type { Clock } from '../core/time.ts';

/**
 * The local stand-in of the SMS sender: each message a line of `<dataDir>/outbox/sms/messages.jsonl` (the number
 * in it is the delivered message, as a phone would show it: it goes to no log). It refuses what End User
 * Messaging's SendTextMessage refuses (src/adapters/sms.ts), the same way (SmsRefusedError, never retried): a
 * number not in E.164 form, an empty message, one longer than its 1,600 characters.
 */
export const MAX_SMS_CHARACTERS = 1600;

export function outboxFile(dataDir: string): string {
  return join(dataDir, 'outbox', 'sms', 'messages.jsonl');
}

export interface OutboxMessage {
  at: string;
  to: string;
  text: string;
}

export class LocalSmsOutbox implements SmsSender {
  constructor(
    private readonly dataDir: string,
    private readonly clock: Clock,
  ) {}

  async send(e164: string, text: string): Promise<void> {
    if (!/^\+[1-9]\d{1,14}$/.test(e164))
      throw invalidParameter('DestinationPhoneNumber is not in E.164 form');
    if (text.length === 0) throw invalidParameter('Empty MessageBody');
    if ([...text].length > MAX_SMS_CHARACTERS)
      throw invalidParameter(`MessageBody longer than ${MAX_SMS_CHARACTERS} characters`);
    const file = outboxFile(this.dataDir);
    await mkdir(join(file, '..'), { recursive: true });
    const message: OutboxMessage = { at: this.clock.now().toISOString(), to: e164, text };
    await appendFile(file, `${JSON.stringify(message)}\n`);
  }
}

/** The messages in the outbox, oldest first (none when nothing was sent). */
export async function readOutbox(dataDir: string): Promise<OutboxMessage[]> {
  let body: string;
  try {
    body = await readFile(outboxFile(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return body
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OutboxMessage);
}

/** What the real adapter throws for a ValidationException INVALID_PARAMETER. */
function invalidParameter(message: string): Error {
  return new SmsRefusedError(`ValidationException INVALID_PARAMETER: ${message}`);
}
