import { Command, InvalidArgumentError, Option } from 'commander';
import { ROLES, type Role } from '../src/core/model.ts';
import { runDemo } from '../src/local/demo.ts';
import { DEFAULT_DATA_DIR } from '../src/local/stack.ts';
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
  .description('Run the whole pipeline locally (DynamoDB Local, s3rver, the API); seeds a demo on first start')
  .option('-p, --port <port>', 'HTTP port', integer, Number(env.PORT || 3000))
  .action(async (options: { port: number }) => {
    const stack = await runDemo({ provinceId: province, dataDir, port: options.port, keepRunning: true });
    const stop = async () => {
      await stack.stop();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('demo')
  .description('Seed a fresh temporary stack, post a week of check-ins, run the report; prints the report link last')
  .option('-p, --port <port>', 'HTTP port (0 picks a free one)', integer, 0)
  .action(async (options: { port: number }) => {
    const stack = await runDemo({ provinceId: province, port: options.port, keepRunning: false });
    await stack.stop();
  });

program
  .command('token')
  .description('Print a staff token the local server accepts')
  .addOption(new Option('--role <role>', 'staff role').choices(ROLES).makeOptionMandatory())
  .requiredOption('--unit <unitId>', 'the unit the token is scoped to (it reaches everything below)')
  .action(async (options: { role: Role; unit: string }) => {
    console.log(await mintToken(localSecret(dataDir), { role: options.role, unitId: options.unit }));
  });

await program.parseAsync();
