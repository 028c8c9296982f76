import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MailSender, OutgoingMail } from '../core/ports.ts';
import type { Clock } from '../core/time.ts';

/**
 * The local stand-in of Amazon SES: each message written whole, as SES would send it, to
 * `<dataDir>/outbox/mail/<time>-<message>.eml` (RFC 5322: a mail client opens it as it is). It refuses what SES
 * refuses before sending: a recipient that is no address, a message over SES v2's 40 MB.
 */
export const MAX_MAIL_BYTES = 40 * 1024 * 1024;

export function mailOutboxDir(dataDir: string): string {
  return join(dataDir, 'outbox', 'mail');
}

export class LocalMailOutbox implements MailSender {
  constructor(
    private readonly dataDir: string,
    private readonly clock: Clock,
  ) {}

  async send(mail: OutgoingMail): Promise<void> {
    if (!/^[^\s@<>]+@[^\s@<>]+$/.test(mail.to)) throw badRequest('Invalid recipient address');
    if (mail.raw.length === 0 || mail.raw.length > MAX_MAIL_BYTES) throw badRequest('Invalid message size');
    const dir = mailOutboxDir(this.dataDir);
    await mkdir(dir, { recursive: true });
    const at = this.clock.now().toISOString().replace(/[-:.]/g, '');
    // The time first (the listing is in sending order); a random tail, so a message sent twice shows twice.
    const name = `${at}-${mail.messageId.split('@')[0]}-${randomBytes(3).toString('hex')}.eml`;
    // Written beside and renamed: a reader never sees half a message.
    await writeFile(join(dir, `.${name}.tmp`), mail.raw);
    await rename(join(dir, `.${name}.tmp`), join(dir, name));
  }
}

export interface OutboxMail {
  file: string;
  date: string;
  to: string;
  subject: string;
  /** The first console link in the text, if any. */
  link?: string;
}

/** The messages in the outbox, oldest first, their headers decoded (none when nothing was sent). */
export async function readMailOutbox(dataDir: string): Promise<OutboxMail[]> {
  const dir = mailOutboxDir(dataDir);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.eml') && !name.startsWith('.')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
      return [];
    throw err;
  }
  // Loaded here: only the outbox listing parses messages.
  const { default: PostalMime } = await import('postal-mime');
  return Promise.all(
    names.map(async (name) => {
      const file = join(dir, name);
      const parsed = await PostalMime.parse(await readFile(file));
      const link = /https?:\/\/\S+\/#\/bao-cao\/\S+/.exec(parsed.text ?? '')?.[0];
      return {
        file,
        date: parsed.date ? new Date(parsed.date).toISOString() : '',
        to: (parsed.to ?? []).map((a) => a.address ?? '').join(', '),
        subject: parsed.subject ?? '',
        ...(link ? { link } : {}),
      };
    }),
  );
}

/** SES v2's error for a request it refuses. */
function badRequest(message: string): Error {
  return Object.assign(new Error(message), { name: 'BadRequestException' });
}
