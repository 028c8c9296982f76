import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReportNotices, ReportStoredNotice } from '../core/ports.ts';

/**
 * The local stand-in for the Friday delivery's SQS queue, its mailer function and its dead-letter queue: each
 * notice is a file under `<dataDir>/mail-queue/` while it waits, delivered in this process in the background
 * (reportStored returns at once, as SendMessage does), retried with growing pauses when delivery fails, and moved
 * to `mail-queue/dead/` after its last attempt, as SQS moves it to the DLQ. The run never waits for it.
 */
export interface LocalMailQueueOptions {
  /** Deliveries of a notice before it is dead-lettered (SQS's maxReceiveCount). */
  attempts: number;
  /** The pause after the first failure; doubled after each further one. */
  backoffMs: number;
}

export const LOCAL_MAIL_RETRY: LocalMailQueueOptions = { attempts: 5, backoffMs: 500 };

export function mailQueueDir(dataDir: string): string {
  return join(dataDir, 'mail-queue');
}

interface QueuedNotice {
  notice: ReportStoredNotice;
  attempts: number;
  lastError?: string;
}

export class LocalMailQueue implements ReportNotices {
  /** Deliveries under way or waiting to be retried: tests may wait for them. */
  readonly pending = new Set<string>();

  constructor(
    private readonly dataDir: string,
    private readonly deliver: (notice: ReportStoredNotice) => Promise<unknown>,
    private readonly options: LocalMailQueueOptions = LOCAL_MAIL_RETRY,
  ) {}

  async reportStored(notice: ReportStoredNotice): Promise<void> {
    const id = randomUUID();
    await this.write(id, { notice, attempts: 0 });
    this.pending.add(id);
    void this.attempt(id, { notice, attempts: 0 });
  }

  private async attempt(id: string, queued: QueuedNotice): Promise<void> {
    try {
      await this.deliver(queued.notice);
      await rm(this.file(id), { force: true });
      this.pending.delete(id);
    } catch (err) {
      const next: QueuedNotice = {
        notice: queued.notice,
        attempts: queued.attempts + 1,
        lastError: (err as Error)?.name ?? 'Error',
      };
      try {
        if (next.attempts >= this.options.attempts) {
          await mkdir(join(mailQueueDir(this.dataDir), 'dead'), { recursive: true });
          await this.write(id, next);
          await rename(this.file(id), join(mailQueueDir(this.dataDir), 'dead', `${id}.json`));
          this.pending.delete(id);
          return;
        }
        await this.write(id, next);
      } catch {
        // The data folder itself is gone (the stack stopped): nothing is left to record it in.
        this.pending.delete(id);
        return;
      }
      const pause = this.options.backoffMs * 2 ** (next.attempts - 1);
      setTimeout(() => void this.attempt(id, next), pause).unref();
    }
  }

  private file(id: string): string {
    return join(mailQueueDir(this.dataDir), `${id}.json`);
  }

  private async write(id: string, queued: QueuedNotice): Promise<void> {
    await mkdir(mailQueueDir(this.dataDir), { recursive: true });
    await writeFile(`${this.file(id)}.tmp`, JSON.stringify(queued));
    await rename(`${this.file(id)}.tmp`, this.file(id));
  }
}

/** The notices waiting (or being retried) and those dead-lettered, for `npx vaora outbox` and tests. */
export async function readMailQueue(
  dataDir: string,
): Promise<{ waiting: QueuedNotice[]; dead: QueuedNotice[] }> {
  const read = async (dir: string) => {
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const items = await Promise.all(
      names.map((n) =>
        readFile(join(dir, n), 'utf8').then(
          (text) => JSON.parse(text) as QueuedNotice,
          // Delivered (and removed) between the listing and the read.
          () => undefined,
        ),
      ),
    );
    return items.filter((i): i is QueuedNotice => i !== undefined);
  };
  return {
    waiting: await read(mailQueueDir(dataDir)),
    dead: await read(join(mailQueueDir(dataDir), 'dead')),
  };
}
