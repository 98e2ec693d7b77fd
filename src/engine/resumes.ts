import { sha256Hex } from '../util/sha256.js';
import type { Store } from '../store/types.js';
import { withLock } from '../store/with-lock.js';
import type { ReplayableRequest } from '../fetch/replayable-request.js';
import type { HeldToken } from './held.js';

/** A payment that went out for a request and got no answer (kept as a secret: it holds the token). */
export interface ResumeRecord {
  held: HeldToken;
  /** Its `unknown` receipt. */
  receiptId: string;
  sentAt: number;
}

/**
 * How long a retry of the same request is recognised as a retry after an unknown outcome: a
 * Nevermined payment is not repeated silently within it, a signed payload is replayed as it was.
 */
export const RESUME_TTL_MS = 24 * 3_600_000;
/**
 * Which requests have a payment waiting, as JSON `{ key: expiresAt }`, changed under the store's
 * lease so processes sharing the store never lose each other's: once the last one is answered the
 * marker goes, and ordinary calls stop looking. `1` (older versions, or too many to list): some
 * wait, which is unknown, so it stays until it expires.
 */
const MARKER = 'resume:any';
const MARKER_LOCK = 'resume:marker';
const MAX_LISTED = 1_000;
type Waiting = Record<string, number> | 'unlisted' | undefined;

/**
 * Payments awaiting a retry, keyed by who pays and the request (method, URL, body), shared by every
 * process on the store. Whether any await at all is checked in the store at most every 5 seconds,
 * so ordinary calls pay no store round trip for it.
 */
export class Resumes {
  #known: boolean | undefined;
  #checkedAt = 0;

  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    /** Who pays: another agent sharing the store never meets this one's payments. */
    private readonly payer: { backendId: string; principal: string },
  ) {}

  /** The store key of one logical request of this payer, as a retry of it will look. */
  keyOf(request: ReplayableRequest): string {
    const head = `${this.payer.backendId}\n${this.payer.principal}\n${request.method}\n${request.url}\n`;
    return `resume:${request.body === undefined ? sha256Hex(head) : sha256Hex(head, request.body)}`;
  }

  /** The waiting payment for this request, if any: no store round trip while none is known to wait. */
  find(key: () => string): ResumeRecord | undefined | Promise<ResumeRecord | undefined> {
    const known = this.#fresh() ? this.#known : undefined;
    if (known === false) return undefined;
    return this.#find(key);
  }

  async #find(key: () => string): Promise<ResumeRecord | undefined> {
    if (!(await this.#any())) return undefined;
    const json = await this.store.getSecret(key(), this.now());
    return json ? recordOf(json) : undefined;
  }

  async keep(key: string, record: ResumeRecord): Promise<void> {
    // Known at once, before any write: a retry in this process never trusts a cached "none waits".
    this.#known = true;
    this.#checkedAt = Date.now();
    const expiresAt = this.now() + RESUME_TTL_MS;
    // The record and its place in the marker change together, under the lease (see forget()).
    await this.#underLease(async (waiting) => {
      await this.store.putSecret(key, JSON.stringify(record), expiresAt);
      if (waiting === 'unlisted') return 'unlisted';
      const listed = this.#live(waiting);
      if (Object.keys(listed).length >= MAX_LISTED) return 'unlisted';
      listed[key] = expiresAt;
      return listed;
    }, expiresAt);
  }

  /**
   * The payment kept with `receiptId` for this request was answered (or the caller paid again):
   * its record goes, and the marker once none waits. A newer record for the same request (another
   * call of it had an unknown outcome since) is another payment: it stays, and stays listed.
   */
  async forget(key: string, receiptId: string): Promise<void> {
    const left = await this.#underLease(async (waiting) => {
      if (!(await this.#removeRecord(key, receiptId))) return waiting; // a newer one waits: unchanged
      if (waiting === undefined || waiting === 'unlisted') return waiting;
      const rest = this.#live(waiting);
      delete rest[key];
      return Object.keys(rest).length ? rest : undefined;
    }).catch(async () => {
      // No lease: the record still goes if it is this one; the marker stays (it only costs lookups).
      await this.#removeRecord(key, receiptId).catch(() => false);
      return 'unlisted' as const;
    });
    if (left === undefined) {
      this.#known = false;
      this.#checkedAt = Date.now();
    }
  }

  /** Deletes the record of `key` if it is the one with `receiptId`; false when another is there. */
  async #removeRecord(key: string, receiptId: string): Promise<boolean> {
    const json = await this.store.getSecret(key, this.now());
    if (json !== undefined && recordOf(json).receiptId !== receiptId) return false;
    if (json !== undefined) await this.store.deleteSecret(key);
    return true;
  }

  /** The listed requests whose records have not expired. */
  #live(waiting: Record<string, number> | undefined): Record<string, number> {
    const live: Record<string, number> = {};
    for (const [k, at] of Object.entries(waiting ?? {})) if (at > this.now()) live[k] = at;
    return live;
  }

  /** Runs `change` on the marker under the store's lease and writes what it returns; returns that. */
  async #underLease(change: (waiting: Waiting) => Promise<Waiting>, atLeastUntil = 0): Promise<Waiting> {
    return withLock(this.store, MARKER_LOCK, async () => {
      const next = await change(parseMarker(await this.store.getSecret(MARKER, this.now())));
      if (next === undefined) await this.store.deleteSecret(MARKER);
      else if (next === 'unlisted') await this.store.putSecret(MARKER, '1', Math.max(atLeastUntil, this.now() + RESUME_TTL_MS));
      else await this.store.putSecret(MARKER, JSON.stringify(next), Math.max(atLeastUntil, ...Object.values(next)));
      return next;
    }, { ttlMs: 10_000, waitMs: 60_000 });
  }

  #fresh(): boolean {
    return this.#known !== undefined && Date.now() - this.#checkedAt <= 5_000;
  }

  async #any(): Promise<boolean> {
    if (this.#fresh()) return this.#known!;
    this.#known = (await this.store.getSecret(MARKER, this.now())) !== undefined;
    this.#checkedAt = Date.now();
    return this.#known;
  }
}

/** The marker as written by keep(); anything else (an older version's `1`, damage) is 'unlisted'. */
function parseMarker(text: string | undefined): Waiting {
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.values(parsed).every((v) => typeof v === 'number')) return parsed as Record<string, number>;
  } catch {
    // not JSON
  }
  return 'unlisted';
}

function recordOf(json: string): ResumeRecord {
  const record = JSON.parse(json) as Partial<ResumeRecord> & { kind?: string };
  // Records written before receipts were kept alongside held the payment itself.
  return record.held ? (record as ResumeRecord) : { held: record as unknown as HeldToken, receiptId: '', sentAt: 0 };
}
