// A structural stand-in for `@nevermined-io/payments` 1.7-1.11 (which the registry here cannot
// serve): same method names and arguments, same HTTP calls to the backend, and errors thrown the
// way the SDK throws them (read from its source, src/x402/token.ts and src/x402/delegation-api.ts):
// - a failed mint: `PaymentsError.internal("<backend message> (HTTP n)")`: code 'internal', the
//   backend's BCK code lost;
// - a failed delegation call: `new PaymentsError("<message>[ — <hint>] (HTTP n)", <BCK code or
//   'http_<n>'>)`;
// - a fetch failure: `PaymentsError.internal("Network error while <action>: ...")`.
// Neither retries.

/** The SDK's error class: an Error with a string `code` (no status field). */
export class PaymentsError extends Error {
  code: string;
  constructor(message: string, code = 'payments_error') {
    super(message);
    this.name = 'PaymentsError';
    this.code = code;
  }
  static internal(message = 'Internal error') {
    return new PaymentsError(message, 'internal');
  }
  static validation(message = 'Validation error') {
    return new PaymentsError(message, 'validation');
  }
}

interface TokenOptions {
  scheme?: 'nvm:erc4337' | 'nvm:card-delegation';
  network?: string;
  delegationConfig?: { delegationId?: string };
}

export class FakePayments {
  readonly calls: string[] = [];

  constructor(
    private readonly apiKey: string,
    private readonly backend: string,
  ) {}

  readonly x402 = {
    getX402AccessToken: async (planId: string, agentId?: string, options?: TokenOptions): Promise<{ accessToken: string; [key: string]: unknown }> => {
      this.calls.push('getX402AccessToken');
      const scheme = options?.scheme ?? 'nvm:erc4337';
      if (!options?.delegationConfig) throw PaymentsError.validation(`delegationConfig is required for ${scheme} token generation.`);
      const accepted = { scheme, network: options.network ?? 'eip155:84532', planId, extra: agentId ? { agentId } : {} };
      const body = { accepted, delegationConfig: options.delegationConfig };
      let response: Response;
      try {
        response = await this.#send('POST', '/api/v1/x402/permissions', body);
      } catch (error) {
        throw PaymentsError.internal(`Network error while creating X402 delegation token: ${(error as Error).message}`);
      }
      if (!response.ok) {
        const json = (await response.json().catch(() => ({}))) as { message?: string };
        throw PaymentsError.internal(`${json.message || 'Failed to create X402 delegation token'} (HTTP ${response.status})`);
      }
      return (await response.json()) as { accessToken: string };
    },
  };

  readonly delegation = {
    listPaymentMethods: (o?: { accessible?: boolean }) => {
      this.calls.push('listPaymentMethods');
      return this.#json('GET', `/api/v1/payment-methods${o?.accessible ? '?accessible=true' : ''}`, 'list payment methods');
    },
    // ListOptions has no paging in any 1.x release: whatever else is passed is ignored.
    listDelegations: (o?: { accessible?: boolean }) => {
      this.calls.push('listDelegations');
      return this.#json('GET', `/api/v1/delegation${o?.accessible ? '?accessible=true' : ''}`, 'list delegations');
    },
    createDelegation: (payload: unknown) => {
      this.calls.push('createDelegation');
      return this.#json('POST', '/api/v1/delegation/create', 'create delegation', payload);
    },
  };

  #send(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(this.backend + path, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json', accept: 'application/json', 'nevermined-version': '1.1' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async #json(method: string, path: string, action: string, body?: unknown): Promise<never> {
    let response: Response;
    try {
      response = await this.#send(method, path, body);
    } catch (error) {
      throw PaymentsError.internal(`Network error while ${action}: ${(error as Error).message}`);
    }
    if (!response.ok) {
      let message = `Failed to ${action}`;
      let code = `http_${response.status}`;
      const err = (await response.json().catch(() => ({}))) as { message?: string; code?: string; hint?: string };
      if (err.message) message = err.message;
      if (err.code) code = err.code;
      if (err.hint) message = `${message} — ${err.hint}`;
      throw new PaymentsError(`${message} (HTTP ${response.status})`, code);
    }
    return (await response.json()) as never;
  }
}
