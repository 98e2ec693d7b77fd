/** What a ledger entry stands for. */
export type EntryKind =
  /** The limit (or remaining budget) of a delegation: the most its card can be charged. */
  | 'delegation'
  /** A purchase at a known price paid outside any delegation (e.g. an x402 amount): counts in the budget. */
  | 'purchase'
  /** A pack bought with a delegation's token: inside the delegation's reservation, so only caps and velocity see it. */
  | 'pack'
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
  /** Set on a store's compacted total: how many settled entries it stands for (counts limits count them all). */
  compactedCount?: number | undefined;
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

/** A provisioned API key or run pack, cached per (provider, plan, principal). `apiKey` is a secret. */
export interface KeyRecord {
  id: string;
  provider: string;
  planId: string;
  principal: string;
  apiKey: string;
  createdAt: number;
  lastUsedAt?: number | undefined;
  lastTopUpAt?: number | undefined;
  expiresAt?: number | undefined;
  /** Units left, for packs tracked locally (run packs). */
  units?: number | undefined;
  /** Remaining balance last reported by the vendor, when it reports one. */
  lastRemaining?: number | undefined;
  purchases: number;
}

/** A purchase whose POST may be in flight: recorded before it, so a restart replays the same token. */
export interface PendingPurchase {
  id: string;
  provider: string;
  planId: string;
  principal: string;
  /** The minted token (a secret): replaying it can never charge twice. */
  token: string;
  tokenHash: string;
  reservationId?: string | undefined;
  delegationId?: string | undefined;
  reason: string;
  createdAt: number;
}

/** The ledger: reservations checked against limits atomically, and what they add up to. */
export interface LedgerStore {
  /** Adds `entry` as reserved if every limit still holds with it, atomically. */
  reserve(entry: LedgerEntry, limits: ReadonlyArray<LimitCheck>, now: number): Promise<ReserveResult>;
  /** Moves an entry to a new state (and amount / end). Unknown ids are ignored. */
  settle(id: string, change: EntryChange): Promise<void>;
  getEntry(id: string): Promise<LedgerEntry | undefined>;
  /** Entries whose life intersects (since, now]; all when `since` is undefined. */
  entries(filter?: { since?: number | undefined; kinds?: ReadonlyArray<EntryKind> }): Promise<LedgerEntry[]>;
  /** Sum (or count) of the entries a limit counts, at `now`. */
  usage(limit: LimitCheck, now: number): Promise<number>;
}

/** Receipts of paid calls and purchases (no secrets in them). */
export interface ReceiptStore {
  appendReceipt(receipt: ReceiptRecord): Promise<void>;
  updateReceipt(id: string, change: Partial<ReceiptRecord>): Promise<void>;
  receipts(query?: ReceiptQuery): Promise<ReceiptRecord[]>;
}

/** Provisioned keys and run packs, and purchases whose POST may be in flight. */
export interface KeyStore {
  getKey(id: string): Promise<KeyRecord | undefined>;
  putKey(record: KeyRecord): Promise<void>;
  deleteKey(id: string): Promise<void>;
  keys(): Promise<KeyRecord[]>;
  /** Adds `delta` to a key's units atomically; returns the new count (undefined when untracked). */
  addUnits(id: string, delta: number): Promise<number | undefined>;
  putPending(purchase: PendingPurchase): Promise<void>;
  getPending(id: string): Promise<PendingPurchase | undefined>;
  deletePending(id: string): Promise<void>;
}

/** Cached secrets (reusable payment tokens, resume records), each with an expiry. */
export interface SecretStore {
  /** A cached secret (a reusable payment token) with an expiry; undefined once expired. */
  getSecret(key: string, now: number): Promise<string | undefined>;
  putSecret(key: string, value: string, expiresAt: number): Promise<void>;
  deleteSecret(key: string): Promise<void>;
}

/** Leases: one process at a time does a thing (a purchase, a delegation), a crash frees it. */
export interface LeaseStore {
  /**
   * Takes a lease on `name` for `ttlMs` if nobody else holds it (or theirs expired). Returns a
   * fencing token that grows with every grant, or undefined when someone else holds it.
   */
  tryLock(name: string, owner: string, ttlMs: number, now: number): Promise<number | undefined>;
  unlock(name: string, owner: string): Promise<void>;
  /** Who holds `name` now (an unexpired lease), if anyone. */
  lockHolder(name: string, now: number): Promise<string | undefined>;
}

/**
 * Everything stateful paying-fetch keeps: one contract by concern, several implementations
 * (memory, embedded SQLite, Redis, Postgres), all proven by test/store/store-contract.test.ts.
 */
export interface Store extends LedgerStore, ReceiptStore, KeyStore, SecretStore, LeaseStore {
  close(): Promise<void>;
}
