import { defineConfig } from 'vitest/config';

/**
 * Three tiers, as in aws-samples/serverless-test-samples: unit (the core, pinned clocks, SDK mocked),
 * integration (the HTTP API against DynamoDB Local and s3rver, started once per run by the global setup),
 * infra (CDK assertions and cdk-nag). test/browser runs with the integration tier: the check-in and gate pages in
 * Debian's headless Chromium against a local stack (playwright-core drives it; no browser is downloaded).
 */
export default defineConfig({
  test: {
    // Quiet logs; Powertools (functions/commons/observability.ts) prints no EMF metric and traces nothing.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LOG_LEVEL: 'warn',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_TRACE_ENABLED: 'false',
    },
    projects: [
      {
        extends: true,
        // Time limits catch hangs, not slowness: a busy laptop renders a chart or a workbook in seconds (speed is
        // measured by `npm run bench`, never by a timed test).
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          globalSetup: ['test/pages-setup.ts'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          // The check-in and gate pages in headless Chromium run against the same DynamoDB Local and s3rver:
          // one start per run for both.
          include: ['test/integration/**/*.test.ts', 'test/browser/**/*.test.ts'],
          globalSetup: ['test/pages-setup.ts', 'test/integration/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          globalSetup: ['test/pages-setup.ts'],
          // A synth bundles some sixty functions: minutes, not seconds, on a busy 2-core machine.
          testTimeout: 300_000,
        },
      },
    ],
  },
});
