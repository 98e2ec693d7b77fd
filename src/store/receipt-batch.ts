/** A receipt row as the embedded store keeps it. */
export type ReceiptRow = [id: string, at: number, origin: string, planId: string | null, body: string];

/** Every batch with rows waiting, so a process that exits writes them first. */
const waiting = new Set<ReceiptBatch>();
let exitHook = false;

/**
 * Writes the rows waiting in every batch of this process: a read sees every receipt this process
 * appended, whichever store instance appended it. (Other processes see them within `delayMs`.)
 * Quiet: a batch that still cannot write keeps its rows (and reports to its own store's callers).
 */
export function flushAllReceipts(): void {
  for (const batch of [...waiting]) batch.flushQuietly();
}

/**
 * Group commit for receipts. One SQLite commit per paid call (file locks and a WAL write, nine
 * system calls) cost more than the call itself on loopback (bench/NOTES.md); receipts therefore
 * wait at most `delayMs` (or `maxRows`) and are committed together. Nothing about money waits:
 * ledger reservations and commits are still one transaction each, before the call goes on.
 * A normal exit, `process.exit()`, an uncaught exception, any read of receipts and close() write
 * what waits first; only a kill (SIGKILL, power loss) within that moment can lose the last rows.
 */
export class ReceiptBatch {
  #rows: ReceiptRow[] = [];
  #timer: NodeJS.Timeout | undefined;
  #failure: Error | undefined;

  constructor(
    private readonly write: (rows: ReadonlyArray<ReceiptRow>) => void,
    private readonly delayMs = 10,
    private readonly maxRows = 500,
  ) {}

  append(row: ReceiptRow): void {
    this.#rows.push(row);
    if (this.#failure || this.#rows.length >= this.maxRows) return this.flush(); // throws if writing still fails
    if (this.#timer === undefined) {
      // Not unref'd: a process with receipts waiting stays up the few ms it takes to write them.
      this.#timer = setTimeout(() => this.flushQuietly(), this.delayMs);
      waiting.add(this);
      if (!exitHook) {
        exitHook = true;
        process.once('exit', () => {
          for (const batch of waiting) batch.flushQuietly();
        });
      }
    }
  }

  /** Writes every waiting row now (synchronously); throws if they cannot be written (they stay queued). */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#rows.length === 0) {
      waiting.delete(this);
      return;
    }
    const rows = this.#rows;
    try {
      this.write(rows);
      this.#rows = [];
      this.#failure = undefined;
      waiting.delete(this);
    } catch (error) {
      // Still waiting: the next read (of any store of this process), append, close or exit retries.
      this.#failure = error as Error;
      throw error;
    }
  }

  flushQuietly(): void {
    try {
      this.flush();
    } catch {
      // Kept: the next append, read or close tries again and reports the error to its caller.
    }
  }
}
