/** What a ledger entry stands for. */
export type EntryKind =
  /** The limit (or remaining budget) of a delegation: the most its card can be charged. */
  | 'delegation'
  /** A purchase at a known price (credit pack, x402 amount). */
  | 'purchase'
  /** A card charge observed under a delegation (already covered by its delegation entry). */
  | 'charge';

export type EntryState = 'reserved' | 'committed' | 'released' | 'unknown';

export interface LedgerEntry {
  id: string;
  kind: EntryKind;
  state: EntryState;
  amountCents: number;
  /** When the money could start to be spent (ms since epoch). */
  startAt: number;
  /** When it can no longer be spent: a delegation's expiry, or the instant of a purchase. */
  endAt: number;
  origin?: string | undefined;
  planId?: string | undefined;
  delegationId?: string | undefined;
  /** Provider transaction (pi_...) of a charge. */
  transactionId?: string | undefined;
  note?: string | undefined;
}

/** A limit a reservation must fit in, evaluated atomically with it. */
export interface EntryChange {
  state: EntryState;
  amountCents?: number | undefined;
  endAt?: number | undefined;
  delegationId?: string | undefined;
}

export interface LimitCheck {
  /** Which limit: `budget.perDay`, `origin:https://x.perHour`, `velocity.perDay`, ... */
  name: string;
  /** Rolling window length in ms; undefined for lifetime. */
  windowMs?: number | undefined;
  /** Cents allowed in the window, or purchases allowed when `counts` is true. */
  max: number;
  counts?: boolean | undefined;
  /** Which entries count: the kinds, and optionally one origin or plan. */
  kinds: ReadonlyArray<EntryKind>;
  origin?: string | undefined;
  planId?: string | undefined;
  /** Only entries with this note (e.g. `renewal`). */
  note?: string | undefined;
}

export type ReserveResult =
  | { ok: true; entry: LedgerEntry }
  | { ok: false; violated: LimitCheck; used: number };

export interface ReceiptRecord {
  id: string;
  at: number;
  method: string;
  origin: string;
  /** Path only: the query string may carry secrets. */
  path: string;
  status: number;
  scheme?: string | undefined;
  network?: string | undefined;
  planId?: string | undefined;
  agentId?: string | undefined;
  delegationId?: string | undefined;
  /** sha256 fingerprint of the token that paid; never the token. */
  tokenHash?: string | undefined;
  transaction?: string | undefined;
  creditsRedeemed?: string | undefined;
  remainingBalance?: string | undefined;
  orderTx?: string | undefined;
  /** Cents the card was charged for this call (0 when credits paid), when known. */
  amountCents?: number | undefined;
  /** Cents reserved for it (known prices). */
  reservedCents?: number | undefined;
  /** `paid`: answered 2xx with a receipt; `no-receipt`: paid but no receipt came; `unknown`: outcome unknown. */
  outcome: 'paid' | 'no-receipt' | 'unknown' | 'no-charge';
  provider?: string | undefined;
  agent?: string | undefined;
  tags?: Record<string, string> | undefined;
}

export interface ReceiptQuery {
  since?: number | undefined;
  origin?: string | undefined;
  planId?: string | undefined;
  limit?: number | undefined;
}

/** Everything stateful paying-fetch keeps. One contract, several implementations. */
export interface Store {
  /** Adds `entry` as reserved if every limit still holds with it, atomically. */
  reserve(entry: LedgerEntry, limits: ReadonlyArray<LimitCheck>, now: number): Promise<ReserveResult>;
  /** Moves an entry to a new state (and amount / end). Unknown ids are ignored. */
  settle(id: string, change: EntryChange): Promise<void>;
  getEntry(id: string): Promise<LedgerEntry | undefined>;
  /** Entries whose life intersects (since, now]; all when `since` is undefined. */
  entries(filter?: { since?: number | undefined; kinds?: ReadonlyArray<EntryKind> }): Promise<LedgerEntry[]>;
  /** Sum (or count) of the entries a limit counts, at `now`. */
  usage(limit: LimitCheck, now: number): Promise<number>;
  appendReceipt(receipt: ReceiptRecord): Promise<void>;
  updateReceipt(id: string, change: Partial<ReceiptRecord>): Promise<void>;
  receipts(query?: ReceiptQuery): Promise<ReceiptRecord[]>;
}
