import { describe, expect, it } from 'vitest';
import { buildBundle, packageBytes } from '../../bench/bundles.ts';
import type { FunctionName } from '../../src/routes.ts';

/**
 * A function bundles only what its handler calls. Built as the stack builds them (lib/vaora-function.ts
 * ESBUILD_OPTIONS), in memory, a handful of representative functions: what each must leave out, and one library
 * each must carry, so a broken measure (no package found at all) cannot pass.
 */
const CASES: { name: FunctionName; carries: string; leavesOut: string[] }[] = [
  // Reads one unit: no phone, no date.
  { name: 'get-unit', carries: '@aws-sdk/client-dynamodb', leavesOut: ['libphonenumber-js', 'luxon'] },
  // A report's first day is a date (luxon); no phone, no workbook (the link is presigned, the file made elsewhere).
  { name: 'get-report-link', carries: 'luxon', leavesOut: ['libphonenumber-js', 'exceljs'] },
  // The hot path: parses a phone; its local day comes from Intl (src/core/time.ts localDay), not luxon.
  { name: 'create-checkin', carries: 'libphonenumber-js', leavesOut: ['luxon', 'exceljs', 'qrcode'] },
  // Start and follow an import job: the file is read by process-import only (src/core/import-run.ts).
  {
    name: 'create-import',
    carries: '@aws-sdk/client-s3',
    leavesOut: ['exceljs', 'csv-parse', 'unzipper', 'luxon', 'libphonenumber-js'],
  },
  {
    name: 'get-import',
    carries: '@aws-sdk/client-s3',
    leavesOut: ['exceljs', 'csv-parse', 'unzipper', 'luxon', 'libphonenumber-js'],
  },
  { name: 'process-import', carries: 'exceljs', leavesOut: ['libphonenumber-js', 'qrcode', 'pdfkit'] },
  // Lambda's credentials are in its environment: none of the SDK's other credential sources or their clients.
  {
    name: 'create-checkin',
    carries: '@aws-sdk/credential-provider-env',
    leavesOut: [
      '@aws-sdk/credential-provider-node',
      '@aws-sdk/credential-provider-sso',
      '@aws-sdk/nested-clients',
    ],
  },
  // Reads a run's record: none of the unit task's renderers.
  {
    name: 'get-weekly-run',
    carries: '@aws-sdk/client-s3',
    leavesOut: ['libphonenumber-js', 'luxon', 'exceljs', 'vega', 'vega-lite', 'fontkit', 'nodemailer'],
  },
];

describe('Lambda bundles', () => {
  it.each(CASES)('$name carries $carries and leaves out $leavesOut', async ({ name, carries, leavesOut }) => {
    const packages = Object.keys(packageBytes((await buildBundle(name)).metafile));
    expect(packages).toContain(carries);
    expect(packages.filter((pkg) => leavesOut.includes(pkg))).toEqual([]);
  });

  it('keeps the check-in bundle within 600 kB, Powertools (Logger, Metrics, Tracer) included', async () => {
    const { bytes, metafile } = await buildBundle('create-checkin');
    expect(Object.keys(packageBytes(metafile))).toEqual(
      expect.arrayContaining([
        '@aws-lambda-powertools/logger',
        '@aws-lambda-powertools/metrics',
        '@aws-lambda-powertools/tracer',
      ]),
    );
    expect(bytes).toBeLessThanOrEqual(600_000);
  });
});
