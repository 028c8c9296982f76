import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ImportJob, ImportJobDeps } from '../core/import-jobs.ts';
import type { ImportQueue } from '../core/ports.ts';
import { importKeys } from '../keys.ts';

/** src/core/import-run.ts processImport's signature. */
export type ImportRunner = (
  deps: ImportJobDeps,
  importId: string,
  keepGoing: () => boolean,
) => Promise<unknown>;

/** How often the stand-in looks for an awaited upload. */
const WATCH_MS = 200;

/**
 * The local stand-in for the imports queue and the bucket's upload event (lib/imports.ts): it watches for the
 * file a job awaits (S3 would send the event), then runs the job in this process, in the background, each pass
 * within `budgetMs` as an invocation is within its timeout, going on in a next pass as the queue would.
 */
export class InProcessImportQueue implements ImportQueue {
  /** Jobs being watched for or run: a test can wait for them. */
  readonly running = new Map<string, Promise<unknown>>();

  /**
   * `run` is src/core/import-run.ts processImport, handed in by the caller: the functions that start and follow
   * jobs use this stand-in locally and must not bundle the file readers (functions/commons/imports.ts).
   */
  constructor(
    private readonly deps: () => ImportJobDeps,
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly budgetMs: number,
    private readonly run: ImportRunner,
  ) {}

  async awaitUpload(job: ImportJob): Promise<void> {
    const key = importKeys.upload(this.deps().provinceId, job.importId);
    const until = Date.parse(job.uploadExpiresAt);
    const watch = (async () => {
      while (Date.now() < until) {
        const there = await this.s3
          .send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))
          .then(() => true)
          .catch(() => false);
        if (there) return this.pass(job.importId);
        await new Promise((ok) => setTimeout(ok, WATCH_MS).unref());
      }
    })();
    this.track(job.importId, watch);
  }

  async continueLater(importId: string): Promise<void> {
    // As a queued message is: taken up after the current invocation has returned.
    this.track(
      importId,
      new Promise((ok) => setImmediate(ok)).then(() => this.pass(importId)),
    );
  }

  private async pass(importId: string): Promise<void> {
    const stopAt = Date.now() + this.budgetMs;
    await this.run(this.deps(), importId, () => Date.now() < stopAt);
  }

  private track(importId: string, work: Promise<unknown>): void {
    // A failed pass is what a redelivery would retry; here the job's record says where it stopped.
    const tracked = work
      .catch(() => undefined)
      .finally(() => {
        if (this.running.get(importId) === tracked) this.running.delete(importId);
      });
    this.running.set(importId, tracked);
  }
}
