import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RunStore, SummaryStore } from '../core/ports.ts';
import type { UnitSummary, WeeklyRun } from '../core/weekly-run.ts';
import { runKeys } from '../keys.ts';

/** The weekly run's records and each unit's summary, small JSON objects in the reports bucket (src/keys.ts runKeys). */
export class S3RunRecords implements RunStore, SummaryStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly provinceId: string,
  ) {}

  getRun(runId: string): Promise<WeeklyRun | undefined> {
    return this.getJson(runKeys.run(this.provinceId, runId));
  }

  putRun(run: WeeklyRun): Promise<void> {
    return this.putJson(runKeys.run(this.provinceId, run.runId), run);
  }

  getSummary(unitId: string, periodStart: string): Promise<UnitSummary | undefined> {
    return this.getJson(runKeys.summary(this.provinceId, unitId, periodStart));
  }

  putSummary(summary: UnitSummary): Promise<void> {
    return this.putJson(runKeys.summary(this.provinceId, summary.unitId, summary.period.start), summary);
  }

  private async getJson<T>(key: string): Promise<T | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return JSON.parse((await out.Body?.transformToString()) ?? 'null') ?? undefined;
    } catch (err) {
      if (err instanceof NoSuchKey || (err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  private async putJson(key: string, value: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
      }),
    );
  }
}
