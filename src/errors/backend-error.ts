import { PaymentFailureError } from './payment-failure-error.js';
import type { ErrorCode } from './paying-fetch-error.js';

export interface BackendErrorFacts {
  /** Nevermined's own code, e.g. `BCK.X402.0021`, when the backend sent one. */
  bckCode?: string | undefined;
  status?: number | undefined;
  correlationId?: string | undefined;
  hint?: string | undefined;
  retryable?: boolean | undefined;
  /** What paying-fetch was doing: `mint`, `get delegation`, ... */
  action: string;
  message: string;
}

/** The Nevermined backend refused or failed a call. Keeps the `BCK.*` code, status and correlation id. */
export class NeverminedBackendError extends PaymentFailureError {
  readonly bckCode: string | undefined;
  readonly status: number | undefined;
  readonly correlationId: string | undefined;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  readonly action: string;

  constructor(facts: BackendErrorFacts, code: ErrorCode = 'NVM_BACKEND') {
    const where = [facts.bckCode, facts.status ? `HTTP ${facts.status}` : undefined]
      .filter(Boolean)
      .join(', ');
    super(code, `Nevermined backend failed to ${facts.action}${where ? ` (${where})` : ''}: ${facts.message}`);
    this.bckCode = facts.bckCode;
    this.status = facts.status;
    this.correlationId = facts.correlationId;
    this.hint = facts.hint;
    this.retryable = facts.retryable ?? false;
    this.action = facts.action;
  }
}
