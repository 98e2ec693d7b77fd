#!/usr/bin/env node
// The default transport honours HTTP(S)_PROXY here too.
import '../util/env-proxy.js';
import { CommanderError } from 'commander';
import { EXIT } from './exit-codes.js';
import { buildProgram, COMMANDS } from './program.js';
import { showError, writeError } from './report-error.js';

let exitCode: number = EXIT.OK;

async function main(argv: string[]): Promise<number> {
  // `paying-fetch <url> ...` is `paying-fetch fetch <url> ...`.
  const args = argv.slice(2);
  if (!args.some((a) => COMMANDS.has(a)) && args.some((a) => /^https?:\/\//.test(a))) args.unshift('fetch');
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (error) {
    // Help and --version print and exit 0 (or 2 when help was shown for a missing command).
    if (error instanceof CommanderError && ['commander.helpDisplayed', 'commander.version'].includes(error.code)) return EXIT.OK;
    if (error instanceof CommanderError && error.code === 'commander.help') return EXIT.USAGE;
    const shown = showError(error, [process.env.NVM_API_KEY]);
    return writeError(shown, { json: args.includes('--json'), verbose: args.includes('-v') || args.includes('--verbose') });
  }
}

// A closed pipe (`| head`) is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(exitCode);
  throw error;
});
process.exitCode = await main(process.argv);
