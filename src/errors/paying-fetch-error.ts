/** Base of every error paying-fetch throws. `code` is stable: branch on it, not on messages. */
export class PayingFetchError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export function isPayingFetchError(error: unknown): error is PayingFetchError {
  return error instanceof PayingFetchError;
}
