import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULTS } from '../src/config.ts';
import { normaliseCode } from '../src/core/codes.ts';
import { ROLES, type Role } from '../src/core/model.ts';
import { runDemo } from '../src/local/demo.ts';
import { startS3rver } from '../src/local/s3.ts';
import { readOutbox } from '../src/local/sms-outbox.ts';
import { DEFAULT_DATA_DIR, freePort } from '../src/local/stack.ts';
import { localSecret, mintToken } from '../src/local/tokens.ts';

const program = new Command('vaora').description('QR check-in pipeline for epidemic-control checkpoints');

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('Expected a whole number');
  return n;
}

const env = process.env;
const dataDir = env.VAORA_DATA_DIR || DEFAULT_DATA_DIR;
const province = env.VAORA_PROVINCE || 'quang-ninh';

program
  .command('start')
  .description(
    'Run the whole pipeline locally (DynamoDB Local, s3rver, the API); seeds a demo on first start',
  )
  .option('-p, --port <port>', 'HTTP port', integer, Number(env.PORT || 3000))
  .option('--s3-port <port>', 'local S3 port (report links point at it)', integer)
  .option('--logs', "print the API's JSON log lines here too (default: into <data>/logs/vaora.log)")
  .action(async (options: { port: number; s3Port?: number; logs?: boolean }) => {
    // A fixed S3 port, so a report link printed by one run still works after a restart.
    const s3Port = options.s3Port ?? (env.S3_PORT ? integer(env.S3_PORT) : options.port + 1);
    // The terminal is for the person who started vaora; the handlers' JSON log lines go to a file (as Lambda's
    // go to CloudWatch), unless asked for here.
    if (!options.logs && !env.VAORA_LOG_FILE) {
      mkdirSync(join(dataDir, 'logs'), { recursive: true });
      env.VAORA_LOG_FILE = join(dataDir, 'logs', 'vaora.log');
      console.log(
        `Logs: ${env.VAORA_LOG_FILE} (LOG_LEVEL=${env.LOG_LEVEL ?? 'info'}; --logs prints them here)`,
      );
    }
    const stack = await runDemo({
      provinceId: province,
      dataDir,
      port: options.port,
      s3Port,
      keepRunning: true,
    }).catch((error: Error) => {
      // Said plainly, with what to do (runDemo's message says it): not a stack trace.
      console.error(`vaora start: ${error.message}`);
      process.exit(1);
    });
    const stop = async () => {
      await stack.stop();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('demo')
  .description(
    'Seed a fresh temporary stack, post a week of check-ins, run the report; prints the report link last',
  )
  .option('-p, --port <port>', 'HTTP port (0 picks a free one)', integer, 0)
  .action(async (options: { port: number }) => {
    process.env.LOG_LEVEL ??= 'warn';
    // The stack is thrown away when the demo ends, but its last line is a link a person will open after
    // that: the report files stay served by a detached s3rver until the link has expired, then are deleted.
    const s3Endpoint = await startLinkKeeper(DEFAULTS.reportLinkTtlSeconds + 300);
    const stack = await runDemo({ provinceId: province, port: options.port, keepRunning: false, s3Endpoint });
    await stack.stop();
  });

program
  .command('s3-keeper', { hidden: true })
  .requiredOption('--dir <dir>')
  .requiredOption('--port <port>', '', integer)
  .requiredOption('--seconds <seconds>', '', integer)
  .action(async (options: { dir: string; port: number; seconds: number }) => {
    const s3 = await startS3rver({
      port: options.port,
      directory: options.dir,
      bucket: `vaora-${province}-reports`,
    });
    setTimeout(async () => {
      await s3.stop();
      rmSync(options.dir, { recursive: true, force: true });
      process.exit(0);
    }, options.seconds * 1000);
  });

async function startLinkKeeper(seconds: number): Promise<string> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'vaora-demo-s3-'));
  const args = [...process.execArgv, process.argv[1]!, 's3-keeper', '--dir', dir, '--port', String(port)];
  spawn(process.execPath, [...args, '--seconds', String(seconds)], {
    detached: true,
    stdio: 'ignore',
  }).unref();
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (
      await fetch(endpoint).then(
        () => true,
        () => false,
      )
    )
      return endpoint;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error('The demo could not start its local S3');
}

program
  .command('token')
  .description('Print a staff token the local server accepts')
  .addOption(new Option('--role <role>', 'staff role').choices(ROLES).makeOptionMandatory())
  .requiredOption('--unit <unitId>', 'the unit the token is scoped to (it reaches everything below)')
  .option(
    '--gate <code>',
    "print instead a gate link for this checkpoint's tablet (made by the running server, a shift long)",
    (value) => {
      const code = normaliseCode(value);
      if (!code) throw new InvalidArgumentError('Expected a checkpoint code (the 8 characters under its QR)');
      return code;
    },
  )
  .option('--hours <hours>', 'with --gate: how long the gate link lasts, 1 to 12 (default 12)', (value) => {
    const hours = Number(value);
    if (!Number.isInteger(hours) || hours < 1 || hours > 12) {
      throw new InvalidArgumentError('Expected a whole number of hours from 1 to 12');
    }
    return hours;
  })
  .option('--console', 'print instead a link that opens the staff console signed in, the token inside')
  .option(
    '--url <url>',
    'the base URL of the server (and of the console link)',
    `http://127.0.0.1:${env.PORT || 3000}`,
  )
  .action(
    async (options: {
      role: Role;
      unit: string;
      gate?: string;
      hours?: number;
      console?: boolean;
      url: string;
    }) => {
      const token = await mintToken(localSecret(dataDir), { role: options.role, unitId: options.unit });
      // The token rides in the fragment, which the browser never sends: the gate page (and the console) keeps it
      // and drops it from the address bar.
      const base = options.url.replace(/\/+$/, '');
      if (options.gate) {
        // The same path as the console's button: the server makes the link (its gate token signed by the gate key,
        // the making audited), with this staff token as the manager's.
        console.log(await gateLink(base, token, options.gate, options.hours));
        return;
      }
      console.log(options.console ? `${base}/console/#token=${token}` : token);
    },
  );

/** A gate link made by the running server (POST /v1/checkpoints/{id}/gate-links), as the manager `token`. */
async function gateLink(base: string, token: string, code: string, hours?: number): Promise<string> {
  const found = await fetch(`${base}/v1/checkpoints/by-code/${code}`).catch(() => undefined);
  if (!found)
    throw new Error(`No server answers at ${base}: start it first (npm start), it makes gate links`);
  if (found.status !== 200) throw new Error(`No checkpoint has the code ${code} (${found.status})`);
  const { id } = (await found.json()) as { id: string };
  const res = await fetch(`${base}/v1/checkpoints/${id}/gate-links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(hours ? { hours } : {}),
  });
  const body = (await res.json()) as { url?: string; error?: { message: string } };
  if (res.status !== 201 || !body.url) {
    throw new Error(`The server made no gate link (${res.status}): ${body.error?.message ?? 'refused'}`);
  }
  return body.url;
}

program
  .command('outbox')
  .description(
    "Print what the local stack has sent from the data folder's outbox: text messages (exposure alerts) and " +
      'e-mails (the Friday delivery of the weekly reports, .eml files)',
  )
  .action(async () => {
    const messages = await readOutbox(dataDir);
    const { readMailOutbox } = await import('../src/local/mail-outbox.ts');
    const { readMailQueue } = await import('../src/local/mail-queue.ts');
    const mails = await readMailOutbox(dataDir);
    const queue = await readMailQueue(dataDir);
    if (messages.length === 0 && mails.length === 0) console.log('The outbox is empty.');
    for (const m of messages) console.log(`${m.at}  ${m.to}  ${m.text}`);
    for (const m of mails)
      console.log(`${m.date}  ${m.to}  ${m.subject}${m.link ? `  ${m.link}` : ''}\n  ${m.file}`);
    if (queue.waiting.length > 0)
      console.log(`${queue.waiting.length} report e-mail notice(s) waiting or being retried`);
    for (const d of queue.dead)
      console.log(
        `Not delivered after ${d.attempts} attempts (${d.lastError}): ${d.notice.unitId} ${d.notice.period.start}`,
      );
  });

program
  .command('posters')
  .description("Download the printable posters of a unit's active checkpoints as one PDF")
  .requiredOption('--unit <unitId>', 'the unit whose checkpoints are printed')
  .option(
    '--copies <n>',
    'pages per checkpoint (1–20)',
    (value: string) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 20) throw new InvalidArgumentError('Expected 1 to 20');
      return n;
    },
    1,
  )
  .option('--out <file>', 'the PDF to write (default: posters-<unit>.pdf)')
  .option('--url <url>', 'the API base URL', `http://127.0.0.1:${env.PORT || 3000}`)
  .option('--token <token>', `a staff token (default: a local admin token for ${province})`)
  .action(async (options: { unit: string; copies: number; out?: string; url: string; token?: string }) => {
    // Loaded here: pdfkit and the fonts are for this command only.
    const { downloadPosters } = await import('../src/local/posters-cli.ts');
    const token =
      options.token ?? (await mintToken(localSecret(dataDir), { role: 'admin', unitId: province }));
    try {
      const result = await downloadPosters({
        url: options.url,
        token,
        unitId: options.unit,
        copies: options.copies,
        out: options.out ?? `posters-${options.unit}.pdf`,
      });
      console.log(`${result.file}: ${result.pages} pages, ${result.checkpoints} checkpoints`);
    } catch (error) {
      console.error(`vaora posters: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  });

for (const what of ['checkpoints', 'units'] as const) {
  const command = program
    .command(what === 'units' ? 'import-units' : 'import')
    .description(
      what === 'units'
        ? 'Import a unit tree (id, name, parentId, kind, code) from a CSV or XLSX file'
        : 'Import checkpoints (unitId, kind, placeName, address, name, ref, createdAt) from a CSV or XLSX file',
    )
    .argument('<file>', 'a .csv or .xlsx file with a header row')
    .option('--url <url>', 'the API base URL', `http://127.0.0.1:${env.PORT || 3000}`)
    .option('--token <token>', `a staff token (default: a local admin token for ${province})`);
  if (what === 'checkpoints') command.requiredOption('--unit <unitId>', 'the unit the checkpoints go under');
  command.action(async (file: string, options: { unit?: string; url: string; token?: string }) => {
    const { importFile } = await import('../src/local/import-cli.ts');
    const token =
      options.token ?? (await mintToken(localSecret(dataDir), { role: 'admin', unitId: province }));
    try {
      const result = await importFile({
        url: options.url,
        token,
        file,
        what,
        ...(options.unit ? { unitId: options.unit } : {}),
      });
      if (result.status === 'failed') {
        console.error(`vaora ${command.name()}: ${result.error?.message ?? 'the import failed'}`);
        for (const d of result.error?.details ?? []) console.error(`  ${d.path}: ${d.message}`);
        process.exitCode = 1;
        return;
      }
      console.log(
        `${result.created} created, ${result.existing} already there, ${result.rejectedRows} rows rejected` +
          (result.pending.length ? `, ${result.pending.length} not done: run the same command again` : ''),
      );
      for (const r of result.problems) console.log(`  row ${r.row}, ${r.column}: ${r.message}`);
      if (result.problems.length < result.rejectedRows) {
        console.log(`  (the first ${result.problems.length} problems; import ${result.importId} keeps them)`);
      }
      if (result.rejectedRows || result.pending.length) process.exitCode = 1;
    } catch (error) {
      console.error(`vaora ${command.name()}: ${(error as Error).message}`);
      process.exitCode = 1;
    }
  });
}

await program.parseAsync();
