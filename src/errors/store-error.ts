import { PayingFetchError } from './paying-fetch-error.js';

/**
 * The store (SQLite file, Redis, Postgres, your own) failed an operation: a full disk, a lost
 * connection, a locked file. Nothing about this call was recorded by the failed operation; see
 * `operation`. The driver's error is the `cause`, reduced to its name, code and message (drivers
 * attach the command and its arguments, which can hold tokens).
 */
export class StoreError extends PayingFetchError {
  /** The store method that failed: `reserve`, `appendReceipt`, `putSecret`, ... */
  readonly operation: string;
  /** The driver's code when it gives one (`SQLITE_FULL`, `ECONNREFUSED`, `57P01`...). */
  readonly driverCode: string | undefined;

  constructor(facts: { operation: string }, cause: unknown) {
    const driverCode = codeOf(cause);
    super('STORE_FAILED', `The store failed to ${facts.operation}${driverCode ? ` (${driverCode})` : ''}`, { cause: scrubCause(cause) });
    this.operation = facts.operation;
    this.driverCode = driverCode;
  }
}

function codeOf(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(code) ? code : undefined;
}

/** A copy holding name, code and message only (bounded): no command, arguments or connection objects. */
function scrubCause(cause: unknown): Error {
  const message = cause instanceof Error ? cause.message : String(cause);
  const copy = new Error(message.slice(0, 300)) as Error & { code?: string };
  copy.name = cause instanceof Error ? cause.name : 'Error';
  const code = codeOf(cause);
  if (code) copy.code = code;
  return copy;
}
