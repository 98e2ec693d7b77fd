import { CommanderError } from 'commander';
import { redact } from '../util/redact.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { fixFor } from './hints.js';
import { networkCause } from './network-cause.js';
import { UsageError } from './usage-error.js';

/** An error as the command shows it: the same facts as one line or as one JSON object. */
export interface ShownError {
  code: string;
  message: string;
  fix?: string;
  exitCode: number;
  /** The error's own facts (limit, cents, status, ...), never a secret. */
  facts: Record<string, unknown>;
}

const HIDDEN = new Set(['stack', 'cause', 'message', 'code', 'name', 'fix', 'exitCode', 'nestedError']);

/** Commander's own errors ("error: unknown option '--x'") become usage errors. */
function fromCommander(error: CommanderError): UsageError {
  return new UsageError(error.message.replace(/^error:\s*/, ''));
}

export function showError(raw: unknown, secrets: ReadonlyArray<string | undefined>): ShownError {
  const error = raw instanceof CommanderError ? fromCommander(raw) : raw;
  const network = networkCause(error);
  const base = error instanceof Error ? error.message : String(error);
  // undici says only "fetch failed": the cause is the news.
  const message = network && /fetch failed|^terminated$/.test(base)
    ? `network: ${network.meaning} (${network.code}${network.target ? ` ${network.target}` : ''})`
    : base;
  const facts = error && typeof error === 'object'
    ? Object.fromEntries(Object.entries(error).filter(([k, v]) => !HIDDEN.has(k) && !(v instanceof Error)))
    : {};
  if (network) facts.network = network;
  const code = (error as { code?: unknown })?.code;
  const fix = fixFor(error);
  return {
    code: typeof code === 'string' && !network ? code : network ? 'NETWORK' : 'ERROR',
    message: redact(message, secrets),
    ...(fix ? { fix } : {}),
    exitCode: error instanceof UsageError ? EXIT.USAGE : exitCodeFor(error),
    facts: JSON.parse(redact(JSON.stringify(facts), secrets)) as Record<string, unknown>,
  };
}

/** Writes the error: one JSON object on stdout with --json, else one line on stderr (plus facts with -v). */
export function writeError(shown: ShownError, { json, verbose }: { json: boolean; verbose: boolean }): number {
  if (json) {
    const { exitCode, facts, ...rest } = shown;
    process.stdout.write(JSON.stringify({ error: { ...facts, ...rest, exitCode } }) + '\n');
    return exitCode;
  }
  process.stderr.write(`paying-fetch: ${shown.message}${shown.fix ? ` (fix: ${shown.fix})` : ''}\n`);
  if (verbose && Object.keys(shown.facts).length) process.stderr.write(`  ${shown.code} ${JSON.stringify(shown.facts)}\n`);
  return shown.exitCode;
}
