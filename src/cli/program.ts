import { Command, InvalidArgumentError, Option } from 'commander';
import { budgetCommand, keysCommand, receiptsCommand, reconcileCommand } from './commands/ledger.js';
import { cardsCommand, delegationsCommand } from './commands/backend.js';
import { demoCommand } from './commands/demo.js';
import { fetchCommand, type FetchFlags } from './commands/fetch.js';
import { sandboxCommand } from './commands/sandbox.js';
import { balanceCommand, reportCommand, spendCommand } from './commands/insight.js';
import type { GlobalFlags } from './config.js';
import { SINCE_FORMATS } from './since.js';
import { packageVersion } from './version.js';

export const COMMANDS = new Set(['fetch', 'sandbox', 'demo', 'budget', 'receipts', 'keys', 'delegations', 'cards', 'reconcile', 'balance', 'spend', 'report', 'help']);

function cents(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('a whole number of cents');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_533) throw new InvalidArgumentError('a port number');
  return n;
}

function header(value: string, all: string[]): string[] {
  if (value.indexOf(':') <= 0) throw new InvalidArgumentError('headers are "Name: value"');
  return [...all, value];
}

const HELP_AFTER = `
Environment: NVM_API_KEY (needed to pay and for backend listings), NVM_DELEGATION_ID or
NVM_PAYMENT_METHOD_ID, NVM_BACKEND_URL, PAYING_FETCH_HOME (state and config.json with the policy).

Exit codes: 0 ok · 1 HTTP error status, an unpaid 402 included (or reconcile found a gap)
· 2 usage or configuration · 3 refused by the spending policy · 4 payment failed
· 5 network failure (connection refused, DNS, TLS, timeout).

Examples:
  paying-fetch sandbox                              # terminal 1: a local Nevermined + sellers
  paying-fetch "$PAYING_FETCH_SELLER_URL/weather"   # terminal 2: a paid GET
  paying-fetch budget
  paying-fetch receipts --csv > receipts.csv`;

/** The command line: flags, help texts and which function runs each command (they return the exit code). */
export function buildProgram(done: (exitCode: number) => void): Command {
  const program = new Command('paying-fetch')
    .description('curl for paid APIs: pays Nevermined x402 402s and buys API keys within your spending policy')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--home <dir>', 'state directory (default: $PAYING_FETCH_HOME or ~/.paying-fetch)')
    .option('--delegation-id <uuid>', 'pay with this delegation (default: $NVM_DELEGATION_ID)')
    .option('--payment-method-id <pm>', 'create delegations from this card (default: $NVM_PAYMENT_METHOD_ID)')
    .option('--backend-url <url>', 'Nevermined backend (default: $NVM_BACKEND_URL, else from the key prefix)')
    .option('-v, --verbose', 'more detail on errors (never secrets)')
    .exitOverride()
    .configureOutput({ outputError: () => {} }) // errors are reported once, by main, as one line or JSON
    .addHelpText('after', HELP_AFTER);
  const globals = (): GlobalFlags => program.opts<GlobalFlags>();
  const run: Run = (action) => async (flags) => done(await action(flags, globals()));
  addFetchCommand(program, async (url, flags) => done(await fetchCommand(url, flags, globals())));
  addLocalCommands(program, run);
  addLedgerCommands(program, run);
  addInsightCommands(program, run);
  return program;
}

/** Wraps a command's function (flags, global flags) -> exit code into a commander action. */
type Run = <F>(action: (flags: F, global: GlobalFlags) => Promise<number>) => (flags: F) => Promise<void>;

function addFetchCommand(program: Command, action: (url: string, flags: FetchFlags) => Promise<void>): void {
  program
    .command('fetch')
    .description('make a request, paying for it if it asks (the default command)')
    .argument('<url>', 'the URL to call')
    .option('-X, --request <method>', 'HTTP method (default GET, or POST with a body)')
    .option('-H, --header <header>', 'request header "Name: value" (repeatable)', header, [] as string[])
    .option('-d, --data <data>', 'request body (@file reads a file, newlines stripped)')
    .option('--data-binary <data>', 'request body, byte for byte (@file reads a file, @- stdin)')
    .option('--budget-cents <n>', 'spend at most N cents more on this call (what it reserves counts)', cents)
    .option('--json', 'print one JSON object (status, headers, body, payment) instead of the raw body')
    .addHelpText('after', `
The body goes to stdout untouched; a one-line payment summary goes to stderr.

Examples:
  paying-fetch https://api.example.com/paid
  paying-fetch -X POST -H 'content-type: application/json' -d '{"q":"x"}' https://api.example.com/search
  paying-fetch --data-binary @photo.png https://api.example.com/upload --json`)
    .action(action);

}

function addLocalCommands(program: Command, run: Run): void {
  program
    .command('sandbox')
    .description('run the local Nevermined backend, a protected seller and an Exa-like vendor until Ctrl-C')
    .addOption(new Option('--port <n>', 'backend port (seller: n+1, vendor: n+2); default random').argParser(port))
    .addHelpText('after', '\nExample:\n  paying-fetch sandbox --port 4020')
    .action(run(sandboxCommand));

  program
    .command('demo')
    .description('watch an agent pay for calls on a sandbox of its own, in a fresh temporary state (offline)')
    .addHelpText('after', '\nExample:\n  paying-fetch demo')
    .action(run(demoCommand));

}

function addLedgerCommands(program: Command, run: Run): void {
  program
    .command('budget')
    .description('the policy\'s limits and what is spent, reserved and left (reads the state only; no key needed)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  paying-fetch budget --json')
    .action(run(budgetCommand));

  program
    .command('receipts')
    .description('receipts of paid calls and purchases (reads the state only)')
    .option('--since <when>', `only receipts from then on: ${SINCE_FORMATS}`)
    .option('--origin <origin>', 'only receipts for this origin (https://host)')
    .addOption(new Option('--json', 'JSON array').conflicts('csv'))
    .addOption(new Option('--csv', 'CSV with a header line'))
    .addHelpText('after', '\nExamples:\n  paying-fetch receipts --since 7d --csv\n  paying-fetch receipts --origin https://api.exa.ai --json')
    .action(run(receiptsCommand));

  program
    .command('keys')
    .description('provisioned API keys and packs (keys shown redacted)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  paying-fetch keys --json')
    .action(run(keysCommand));

  program
    .command('delegations')
    .description('your delegations, from the backend: status, limit, spent, expiry')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  NVM_API_KEY=sandbox:... paying-fetch delegations')
    .action(run(delegationsCommand));

  program
    .command('cards')
    .description('your enrolled payment methods, from the backend')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  NVM_API_KEY=sandbox:... paying-fetch cards --json')
    .action(run(cardsCommand));

  program
    .command('reconcile')
    .description('compare the local ledger with the backend; exit 1 when a gap is found')
    .option('--json', 'machine-readable report')
    .addHelpText('after', '\nExample (daily, from cron):\n  paying-fetch reconcile || notify-someone')
    .action(run(reconcileCommand));

}

function addInsightCommands(program: Command, run: Run): void {
  program
    .command('balance')
    .description('what is left: delegations and plan credits (backend), packs, and the ledger')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExample:\n  paying-fetch balance --json')
    .action(run(balanceCommand));

  program
    .command('spend')
    .description('spend and calls per agent, provider, origin, plan, day or hour, with outliers flagged (reads the state only)')
    .addOption(new Option('--by <group>', 'how to group').choices(['agent', 'provider', 'origin', 'plan', 'day', 'hour']).default('agent'))
    .option('--since <when>', `only receipts from then on: ${SINCE_FORMATS}`)
    .addOption(new Option('--json', 'JSON report').conflicts('csv'))
    .addOption(new Option('--csv', 'CSV with a header line'))
    .addHelpText('after', '\nExamples:\n  paying-fetch spend --by agent\n  paying-fetch spend --by day --since 7d --csv')
    .action(run(spendCommand));

  program
    .command('report')
    .description('a self-contained HTML report: spend per agent and provider over time, budget burn-down, receipts')
    .requiredOption('--html <file>', 'where to write it')
    .option('--since <when>', `only receipts from then on: ${SINCE_FORMATS}`)
    .addHelpText('after', '\nExample:\n  paying-fetch report --html spend.html && xdg-open spend.html')
    .action(run(reportCommand));

}
