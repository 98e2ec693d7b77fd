// A structural stand-in for `@nevermined-io/payments` 1.x (which the registry here cannot serve):
// same method names and arguments, same HTTP calls to the backend, and errors thrown the way the
// SDK throws them (a plain Error whose message carries the backend's message and HTTP status).

export class FakePayments {
  readonly calls: string[] = [];

  constructor(
    private readonly apiKey: string,
    private readonly backend: string,
  ) {}

  readonly x402 = {
    getX402AccessToken: async (
      planId: string,
      agentId?: string,
      options?: { scheme?: string; network?: string; delegationConfig?: { delegationId?: string } },
    ) => {
      this.calls.push('getX402AccessToken');
      const accepted = { scheme: options?.scheme ?? 'nvm:erc4337', network: options?.network ?? 'eip155:84532', planId, extra: agentId ? { agentId } : {} };
      return this.#json('POST', '/api/v1/x402/permissions', { accepted, delegationConfig: options?.delegationConfig });
    },
  };

  readonly delegation = {
    listPaymentMethods: (o?: { accessible?: boolean }) => {
      this.calls.push('listPaymentMethods');
      return this.#json('GET', `/api/v1/payment-methods${o?.accessible ? '?accessible=true' : ''}`);
    },
    listDelegations: (o?: { accessible?: boolean }) => {
      this.calls.push('listDelegations');
      return this.#json('GET', `/api/v1/delegation${o?.accessible ? '?accessible=true' : ''}`);
    },
    createDelegation: (payload: unknown) => {
      this.calls.push('createDelegation');
      return this.#json('POST', '/api/v1/delegation/create', payload);
    },
  };

  async #json(method: string, path: string, body?: unknown): Promise<never> {
    const res = await fetch(this.backend + path, {
      method,
      headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json', 'nevermined-version': '1.1' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as { message?: string; code?: string };
    if (!res.ok) throw new Error(`${json.code ?? ''} ${json.message ?? 'Failed'} (HTTP ${res.status})`);
    return json as never;
  }
}
