import { sha256Hex } from '../util/sha256.js';
import type { SecretStore } from '../store/types.js';
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
const MARKER = 'resume:any';

/**
 * Payments awaiting a retry, keyed by who pays and the request (method, URL, body), shared by every
 * process on the store. Whether any await at all is checked in the store at most every 5 seconds,
 * so ordinary calls pay no store round trip for it.
 */
export class Resumes {
  #known: boolean | undefined;
  #checkedAt = 0;

  constructor(
    private readonly store: SecretStore,
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
    if (!json) return undefined;
    const record = JSON.parse(json) as Partial<ResumeRecord> & { kind?: string };
    // Records written before receipts were kept alongside held the payment itself.
    return record.held ? (record as ResumeRecord) : { held: record as unknown as HeldToken, receiptId: '', sentAt: 0 };
  }

  async keep(key: string, record: ResumeRecord): Promise<void> {
    await this.store.putSecret(key, JSON.stringify(record), this.now() + RESUME_TTL_MS);
    await this.store.putSecret(MARKER, '1', this.now() + RESUME_TTL_MS);
    this.#known = true;
    this.#checkedAt = Date.now();
  }

  forget(key: string): Promise<void> {
    return this.store.deleteSecret(key);
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
