#!/usr/bin/env node
// The `vaora` command. It runs bin/vaora.ts through tsx, with Node's legacy OpenSSL provider, which s3rver
// (the local S3) needs for paged listings.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const child = spawn(
  process.execPath,
  [
    '--openssl-legacy-provider',
    '--no-warnings=ExperimentalWarning',
    '--import',
    'tsx',
    join(here, 'vaora.ts'),
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
