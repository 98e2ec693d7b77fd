import { DelegationManager } from '../nevermined/delegations.js';
import { Ledger } from '../policy/ledger.js';
import { parsePolicy } from '../policy/policy.js';
import { KeyManager } from '../providers/key-manager.js';
import { MemoryStore } from '../store/memory-store.js';
import { withStoreErrors } from '../store/with-store-errors.js';
import { assertSecureUrl } from '../util/require-https.js';
import { defaultFetch } from '../util/transport.js';
import { Emitter } from '../fetch/events.js';
import { attachDebugLog } from '../observe/debug-log.js';
import { attachDiagnostics } from '../observe/diagnostics.js';
import type { PayingFetchOptions } from '../fetch/options.js';
import { Backlog } from './backlog.js';
import { buildClient } from './build-client.js';
import { NeverminedPayer } from './nevermined-payer.js';
import { PaymentEngine } from './payment-engine.js';
import { Recorder } from './recorder.js';
import { Resumes } from './resumes.js';
import { SchemePayer } from './scheme-payer.js';
import { TokenCache } from './token-cache.js';
import { mppParts } from './mpp-parts.js';

/** How long a reusable token is kept in the store, so a restarted process does not mint again. */
const TOKEN_TTL_MS = 24 * 3600 * 1000;

/** Builds the engine and its collaborators from the options, once per PayingFetch. */
export function buildEngine(options: PayingFetchOptions): PaymentEngine {
  const transport = options.fetch ?? defaultFetch;
  const policy = parsePolicy(options.policy);
  const now = options.clock ?? Date.now;
  const events = new Emitter();
  attachDebugLog(events, options.logger);
  attachDiagnostics(events);
  const { client, source } = buildClient(options, transport, (r) => events.emit('retry', { what: 'backend', ...r, reason: client.scrub(r.reason) }));
  // Every store, the user's own included, fails with a StoreError, never a driver's raw error.
  const store = withStoreErrors(options.store ?? new MemoryStore());
  const ledger = new Ledger(store, policy, now, (w) => events.emit('budget-warning', w), (w) => events.emit('budget-reserved-warning', w), (c) => events.emit('reservation', c));
  const delegations = source ? new DelegationManager(client, ledger, policy, now, source, (e) => events.emit('delegation', e)) : undefined;
  const providers = options.providers ?? [];
  for (const p of providers) {
    assertSecureUrl(p.purchase.url, `The ${p.name} purchase URL`, options.allowInsecureHttp);
    for (const origin of p.origins) assertSecureUrl(origin, `The ${p.name} origin`, options.allowInsecureHttp);
  }
  const nvm = options.nevermined as { principal?: string } | undefined;
  const keys = providers.length
    ? new KeyManager({
        client, delegations, ledger, policy, transport, now,
        principal: nvm?.principal ?? client.principal,
        onPurchase: (e) => events.emit('purchase', e),
        retries: options.backendRetries,
        retryDelayMs: options.backendRetryDelayMs,
        onRetry: (r) => events.emit('retry', { what: 'purchase', action: 'buy a pack', ...r, reason: client.scrub(r.reason) }),
      })
    : undefined;
  const recorder = new Recorder(client, ledger, now);
  const backlog = new Backlog();
  return new PaymentEngine({
    client,
    ledger,
    policy,
    delegations,
    nvm: new NeverminedPayer(client, new TokenCache(), events, { store, now, ttlMs: TOKEN_TTL_MS }),
    schemes: new SchemePayer(ledger, events),
    plugins: options.schemes ?? [],
    mpp: mppParts(options, { client, ledger, policy, delegations, recorder, backlog, events, now }),
    select: options.selectRequirement,
    recorder,
    events,
    backlog,
    resumes: new Resumes(store, now, { backendId: client.backendId, principal: client.principal }),
    keys,
    labels: { agent: options.agent, tags: options.tags },
    now,
  });
}
