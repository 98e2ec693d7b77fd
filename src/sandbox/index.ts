import { backendHandler, type BackendCounters } from './backend-server.js';
import { FaultQueue } from './faults.js';
import { close, listen } from './http.js';
import { sellerHandler, type SellerCounters, type SellerRequest, type SellerRoute } from './seller-server.js';
import { World, type Plan } from './world.js';
import { OPENAI_CHAT_PATH, openaiChatRoute } from './openai-route.js';
import { MCP_PATH, mcpRoute } from './mcp-route.js';
import { EXA_PLAN_ID, vendorHandler, type VendorCounters, type VendorKey, type VendorSettings } from './vendor-server.js';

export { EXA_PLAN_ID, RUN_PLAN_ID } from './vendor-server.js';
export type { VendorKey, VendorSettings, VendorCounters } from './vendor-server.js';

export type { Fault, FaultTarget } from './faults.js';
export type { SellerRoute, SellerRequest } from './seller-server.js';
export type { Plan, Charge, MintRecord, SandboxDelegation } from './world.js';
export { World } from './world.js';
/** The demo of `npm run demo` and `paying-fetch demo`: paid calls against a fresh sandbox. */
export { runDemo } from '../cli/demo.js';
export { OPENAI_CHAT_PATH, openaiChatRoute } from './openai-route.js';
export { MCP_PATH, mcpRoute } from './mcp-route.js';
export { startMppSeller, MPP_SANDBOX_REALM, type MppSeller, type MppSellerRoute } from './mpp-seller.js';
export { startX402Seller, X402_SANDBOX_NETWORK, X402_SANDBOX_USDC, X402_SANDBOX_PAY_TO, type X402Seller, type X402SellerRoute, type X402FacilitatorLog } from './x402-seller.js';

export interface SandboxOptions {
  /** Port of the backend; the seller takes the next free one. Default: random ports. */
  port?: number;
  /** Spending limit of the default delegation, in cents. Default 2000 ($20). */
  delegationLimitCents?: number;
  /** Price of one Exa-like key purchase, in cents. Default 700 ($7). */
  packPriceCents?: number;
  /**
   * A state folder for paying-fetch to use against this sandbox: `env()` then exports it as
   * PAYING_FETCH_HOME, so sandbox spending never lands in the real ~/.paying-fetch.
   */
  home?: string;
}

/** Plan ids of the default seller routes (decimal strings, like real Nevermined plan ids). */
export const SANDBOX_PLANS = {
  /** $1.00 buys 10 credits; 1 credit per call. */
  basic: '1000000000000000000000000000000000000000000000000000000000000000000000000001',
  /** $5.00 buys 5 credits, bound to an agent. */
  premium: '1000000000000000000000000000000000000000000000000000000000000000000000000002',
  /** $1.00 per call: every call charges the card (1 credit per purchase). */
  metered: '1000000000000000000000000000000000000000000000000000000000000000000000000003',
} as const;

export interface Sandbox {
  /** Base URL of the local Nevermined backend (use as backendUrl / NVM_BACKEND_URL). */
  readonly backendUrl: string;
  /** Base URL of the protected seller. */
  readonly sellerUrl: string;
  /** Base URL of the Exa-like key vendor (purchase-key and the search API on one origin). */
  readonly vendorUrl: string;
  /** The vendor's keys by buyer principal, and how it behaves (change freely in tests). */
  readonly vendor: { keys: Map<string, VendorKey>; settings: VendorSettings; counters: VendorCounters };
  /** The default buyer: an API key, its account, an enrolled card and an Active delegation. */
  readonly apiKey: string;
  readonly principal: string;
  readonly paymentMethodId: string;
  readonly delegationId: string;
  readonly world: World;
  readonly faults: FaultQueue;
  /** Every request the seller received, in order (headers and body bytes). */
  readonly sellerRequests: SellerRequest[];
  /** Adds or replaces a seller route. */
  route(path: string, route: SellerRoute): void;
  /** Counts of what happened: mints, charges, settlements, requests. */
  stats(): SandboxStats;
  /** Environment variables that point paying-fetch at this sandbox (PAYING_FETCH_HOME when a `home` was given). */
  env(): Record<string, string>;
  close(): Promise<void>;
}

export interface SandboxStats {
  mints: number;
  mintRequests: number;
  backendRequests: number;
  charges: number;
  chargedCents: number;
  settlements: number;
  sellerRequests: number;
  paidResponses: number;
  challenges: number;
  /** Key purchases the vendor charged for (replays of a token are not purchases). */
  purchases: number;
  purchaseRequests: number;
  searches: number;
}

/** Starts a local Nevermined backend and a protected seller on 127.0.0.1. */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const world = new World();
  const faults = new FaultQueue();
  world.addPlan({ planId: SANDBOX_PLANS.basic, priceCents: 100, credits: 10 } satisfies Plan);
  world.addPlan({ planId: SANDBOX_PLANS.premium, priceCents: 500, credits: 5, agentId: 'agent-premium' });
  world.addPlan({ planId: SANDBOX_PLANS.metered, priceCents: 100, credits: 1 });
  world.addPlan({ planId: EXA_PLAN_ID, priceCents: options.packPriceCents ?? 700, credits: 1 });

  const buyer = world.createAccount();
  const card = world.addCard(buyer.principal);
  const delegation = world.createDelegation(buyer, {
    providerPaymentMethodId: card.id,
    spendingLimitCents: options.delegationLimitCents ?? 2000,
    durationSecs: 30 * 24 * 3600,
  });

  const routes = new Map<string, SellerRoute>([
    ['/free', {}],
    ['/weather', { planId: SANDBOX_PLANS.basic }],
    ['/echo', { planId: SANDBOX_PLANS.basic }],
    ['/premium', { planId: SANDBOX_PLANS.premium, agentId: 'agent-premium' }],
    ['/metered', { planId: SANDBOX_PLANS.metered }],
    [OPENAI_CHAT_PATH, openaiChatRoute(SANDBOX_PLANS.basic)],
    [MCP_PATH, mcpRoute(SANDBOX_PLANS.basic)],
  ]);
  const backendCounters: BackendCounters = { requests: 0, mintRequests: 0 };
  const sellerCounters: SellerCounters = { requests: 0, paidResponses: 0, challenges: 0 };
  const sellerRequests: SellerRequest[] = [];

  const vendor = {
    keys: new Map<string, VendorKey>(),
    settings: { creditsPerPack: 10, exhaustion: '402', nullKeyOnTopUp: false } as VendorSettings,
    counters: { purchaseRequests: 0, purchases: 0, replays: 0, searches: 0, calls: [] } as VendorCounters,
  };
  const backend = await listen(backendHandler(world, faults, backendCounters), options.port ?? 0);
  const seller = await listen(
    sellerHandler(world, routes, faults, sellerCounters, sellerRequests),
    options.port ? options.port + 1 : 0,
  );

  const vendorServer = await listen(vendorHandler(world, faults, vendor.settings, vendor.keys, vendor.counters), options.port ? options.port + 2 : 0);

  return {
    backendUrl: backend.url,
    sellerUrl: seller.url,
    vendorUrl: vendorServer.url,
    vendor,
    apiKey: buyer.apiKey,
    principal: buyer.principal,
    paymentMethodId: card.id,
    delegationId: delegation.delegationId,
    world,
    faults,
    sellerRequests,
    route: (path, route) => void routes.set(path, route),
    stats: () => ({
      mints: world.mints.length,
      mintRequests: backendCounters.mintRequests,
      backendRequests: backendCounters.requests,
      charges: world.charges.length,
      chargedCents: world.charges.reduce((sum, c) => sum + c.amountCents, 0),
      settlements: world.settlements.length,
      sellerRequests: sellerCounters.requests,
      paidResponses: sellerCounters.paidResponses,
      challenges: sellerCounters.challenges,
      purchases: vendor.counters.purchases,
      purchaseRequests: vendor.counters.purchaseRequests,
      searches: vendor.counters.searches,
    }),
    env: () => ({
      NVM_API_KEY: buyer.apiKey,
      NVM_BACKEND_URL: backend.url,
      NVM_DELEGATION_ID: delegation.delegationId,
      NVM_PAYMENT_METHOD_ID: card.id,
      PAYING_FETCH_SELLER_URL: seller.url,
      PAYING_FETCH_VENDOR_URL: vendorServer.url,
      ...(options.home ? { PAYING_FETCH_HOME: options.home } : {}),
    }),
    close: async () => {
      await Promise.all([close(backend.server), close(seller.server), close(vendorServer.server)]);
    },
  };
}
