import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SmsSender } from '../core/alerts.ts';
import type { Clock } from '../core/time.ts';

/**
 * The local stand-in of the SMS sender: each message a line of `<dataDir>/outbox/sms/messages.jsonl` (the number
 * in it is the delivered message, as a phone would show it: it goes to no log). It refuses what SNS Publish
 * refuses: a number not in E.164 form, an empty message, one longer than SNS's 1,600 bytes.
 */
export const MAX_SMS_BYTES = 1600;

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
    if (!/^\+[1-9]\d{1,14}$/.test(e164)) throw invalidParameter('PhoneNumber is not in E.164 form');
    if (text.length === 0) throw invalidParameter('Empty message');
    if (Buffer.byteLength(text) > MAX_SMS_BYTES)
      throw invalidParameter(`Message longer than ${MAX_SMS_BYTES} bytes`);
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

/** SNS's error for a parameter it refuses. */
function invalidParameter(message: string): Error {
  return Object.assign(new Error(message), { name: 'InvalidParameterException' });
}
