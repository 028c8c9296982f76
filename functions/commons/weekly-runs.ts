import { makeS3Client } from '../../src/adapters/clients.ts';
import { S3RunRecords } from '../../src/adapters/s3-runs.ts';
import { config } from './services.ts';

/**
 * The weekly run's records and the units' summaries, built at cold start. Apart from ./weekly.ts, so that the
 * functions that only plan, finish or read runs leave out the unit task's renderers (exceljs, vega, fonts).
 */
export const runs = new S3RunRecords(makeS3Client(config), config.reportsBucket, config.provinceId);
