#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { redact } from '../util/redact.js';
import { budgetCommand, keysCommand, receiptsCommand, reconcileCommand } from './commands/ledger.js';
import { cardsCommand, delegationsCommand } from './commands/backend.js';
import { fetchCommand, type FetchFlags } from './commands/fetch.js';
import { sandboxCommand } from './commands/sandbox.js';
import { balanceCommand, reportCommand, spendCommand } from './commands/insight.js';
import type { GlobalFlags } from './config.js';
import { runDemo } from './demo.js';
import { EXIT, exitCodeFor, fixFor } from './exit-codes.js';

const COMMANDS = new Set(['fetch', 'sandbox', 'demo', 'budget', 'receipts', 'keys', 'delegations', 'cards', 'reconcile', 'balance', 'spend', 'report', 'help']);

function cents(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('a whole number of cents');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_533) throw new InvalidArgumentError('a port number');
  return n;
}

let verbose = false;
let exitCode: number = EXIT.OK;

function run(action: () => Promise<number>): () => Promise<void> {
  return async () => {
    exitCode = await action();
  };
}

const program = new Command('paying-fetch')
  .description('curl for paid APIs: pays Nevermined x402 402s and buys API keys within your spending policy')
  .option('--home <dir>', 'state directory (default: $PAYING_FETCH_HOME or ~/.paying-fetch)')
  .option('--delegation-id <uuid>', 'pay with this delegation (default: $NVM_DELEGATION_ID)')
  .option('--payment-method-id <pm>', 'create delegations from this card (default: $NVM_PAYMENT_METHOD_ID)')
  .option('--backend-url <url>', 'Nevermined backend (default: $NVM_BACKEND_URL, else from the key prefix)')
  .option('-v, --verbose', 'more detail on errors (never secrets)')
  .showHelpAfterError()
  .exitOverride()
  .addHelpText('after', `
Environment: NVM_API_KEY (required to pay), NVM_DELEGATION_ID or NVM_PAYMENT_METHOD_ID,
NVM_BACKEND_URL, PAYING_FETCH_HOME (state and config.json with the policy).

Exit codes: 0 ok · 1 HTTP error status (or reconcile found a gap) · 2 usage or configuration
· 3 refused by the spending policy · 4 payment failed.

Examples:
  paying-fetch sandbox                              # terminal 1: a local Nevermined + sellers
  paying-fetch "$PAYING_FETCH_SELLER_URL/weather"   # terminal 2: a paid GET
  paying-fetch budget
  paying-fetch receipts --csv > receipts.csv`);

const globals = (): GlobalFlags => program.opts<GlobalFlags>();

program
  .command('fetch')
  .description('make a request, paying for it if it asks (the default command)')
  .argument('<url>', 'the URL to call')
  .option('-X, --request <method>', 'HTTP method (default GET, or POST with a body)')
  .option('-H, --header <header>', 'request header "Name: value" (repeatable)', (v: string, all: string[]) => [...all, v], [] as string[])
  .option('-d, --data <data>', 'request body (@file reads a file, newlines stripped)')
  .option('--data-binary <data>', 'request body, byte for byte (@file reads a file, @- stdin)')
  .option('--budget-cents <n>', 'refuse if this call would need more than N more cents reserved', cents)
  .option('--json', 'print one JSON object (status, headers, body, payment) instead of the raw body')
  .addHelpText('after', `
The body goes to stdout untouched; a one-line payment summary goes to stderr.

Examples:
  paying-fetch https://api.example.com/paid
  paying-fetch -X POST -H 'content-type: application/json' -d '{"q":"x"}' https://api.example.com/search
  paying-fetch --data-binary @photo.png https://api.example.com/upload --json`)
  .action((url: string, flags: FetchFlags) => run(() => fetchCommand(url, flags, globals()))());

program
  .command('sandbox')
  .description('run the local Nevermined backend, a protected seller and an Exa-like vendor until Ctrl-C')
  .addOption(new Option('--port <n>', 'backend port (seller: n+1, vendor: n+2); default random').argParser(port))
  .addHelpText('after', '\nExample:\n  paying-fetch sandbox --port 4020')
  .action((flags: { port?: number }) => run(() => sandboxCommand(flags))());

program
  .command('demo')
  .description('watch an agent pay for calls on the sandbox (offline)')
  .addHelpText('after', '\nExample:\n  paying-fetch demo')
  .action(() => run(async () => (await runDemo(), EXIT.OK))());

program
  .command('budget')
  .description('what the policy allows and what is reserved, committed and left (reads the state only)')
  .option('--json', 'machine-readable output')
  .addHelpText('after', '\nExample:\n  paying-fetch budget --json')
  .action((flags: { json?: boolean }) => run(() => budgetCommand(flags, globals()))());

program
  .command('receipts')
  .description('receipts of paid calls and purchases (reads the state only)')
  .option('--since <date>', 'only receipts from this date/time on (ISO 8601)')
  .option('--origin <origin>', 'only receipts for this origin (https://host)')
  .addOption(new Option('--json', 'JSON array').conflicts('csv'))
  .addOption(new Option('--csv', 'CSV with a header line'))
  .addHelpText('after', '\nExamples:\n  paying-fetch receipts --since 2026-11-01 --csv\n  paying-fetch receipts --origin https://api.exa.ai --json')
  .action((flags: { since?: string; origin?: string; json?: boolean; csv?: boolean }) => run(() => receiptsCommand(flags, globals()))());

program
  .command('keys')
  .description('provisioned API keys and packs (keys shown redacted)')
  .option('--json', 'machine-readable output')
  .addHelpText('after', '\nExample:\n  paying-fetch keys --json')
  .action((flags: { json?: boolean }) => run(() => keysCommand(flags, globals()))());

program
  .command('delegations')
  .description('your delegations, from the backend: status, limit, spent, expiry')
  .option('--json', 'machine-readable output')
  .addHelpText('after', '\nExample:\n  NVM_API_KEY=sandbox:... paying-fetch delegations')
  .action((flags: { json?: boolean }) => run(() => delegationsCommand(flags, globals()))());

program
  .command('cards')
  .description('your enrolled payment methods, from the backend')
  .option('--json', 'machine-readable output')
  .addHelpText('after', '\nExample:\n  NVM_API_KEY=sandbox:... paying-fetch cards --json')
  .action((flags: { json?: boolean }) => run(() => cardsCommand(flags, globals()))());

program
  .command('reconcile')
  .description('compare the local ledger with the backend; exit 1 when a gap is found')
  .option('--json', 'machine-readable report')
  .addHelpText('after', '\nExample (daily, from cron):\n  paying-fetch reconcile || notify-someone')
  .action((flags: { json?: boolean }) => run(() => reconcileCommand(flags, globals()))());

program
  .command('balance')
  .description('what is left: delegations and plan credits (backend), packs, and the ledger')
  .option('--json', 'machine-readable output')
  .addHelpText('after', '\nExample:\n  paying-fetch balance --json')
  .action((flags: { json?: boolean }) => run(() => balanceCommand(flags, globals()))());

program
  .command('spend')
  .description('spend and calls per agent, provider, origin, plan, day or hour, with outliers flagged (reads the state only)')
  .option('--by <group>', 'agent | provider | origin | plan | day | hour', 'agent')
  .option('--since <date>', 'only receipts from this date/time on (ISO 8601)')
  .addOption(new Option('--json', 'JSON report').conflicts('csv'))
  .addOption(new Option('--csv', 'CSV with a header line'))
  .addHelpText('after', '\nExamples:\n  paying-fetch spend --by agent\n  paying-fetch spend --by day --since 2026-11-01 --csv')
  .action((flags: { by?: string; since?: string; json?: boolean; csv?: boolean }) => run(() => spendCommand(flags, globals()))());

program
  .command('report')
  .description('a self-contained HTML report: spend per agent and provider over time, budget burn-down, receipts')
  .option('--html <file>', 'where to write it')
  .option('--since <date>', 'only receipts from this date/time on (ISO 8601)')
  .addHelpText('after', '\nExample:\n  paying-fetch report --html spend.html && xdg-open spend.html')
  .action((flags: { html?: string; since?: string }) => run(() => reportCommand(flags, globals()))());

async function main(argv: string[]): Promise<number> {
  // `paying-fetch <url> ...` is `paying-fetch fetch <url> ...`.
  const args = argv.slice(2);
  const hasCommand = args.some((a) => COMMANDS.has(a));
  if (!hasCommand && args.some((a) => /^https?:\/\//.test(a))) args.unshift('fetch');
  verbose = args.includes('-v') || args.includes('--verbose');
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE; // help and version print and exit 0
    }
    const secrets = [process.env.NVM_API_KEY];
    const message = redact(error instanceof Error ? error.message : String(error), secrets);
    const fix = fixFor(error);
    process.stderr.write(`paying-fetch: ${message}${fix ? ` (fix: ${fix})` : ''}\n`);
    if (verbose && error instanceof Error) {
      const facts = Object.fromEntries(Object.entries(error).filter(([k]) => !['stack', 'cause'].includes(k)));
      process.stderr.write(redact(`  ${error.name} ${JSON.stringify(facts)}\n`, secrets));
    }
    return exitCodeFor(error);
  }
}

// A closed pipe (`| head`) is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(exitCode);
  throw error;
});
process.exitCode = await main(process.argv);
