import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigurationError } from '../errors/configuration-error.js';
import type { PayingFetchOptions } from '../fetch/options.js';
import { NeverminedRestClient } from '../nevermined/rest-client.js';
import { parsePolicy, type Policy } from '../policy/policy.js';
import { exa } from '../providers/exa.js';
import type { ProviderRecipe } from '../providers/recipe.js';
import { EmbeddedStore } from '../store/embedded-store.js';
import { defaultHome } from '../store/state-dir.js';
import { safeJsonParse } from '../util/safe-json.js';

const MAX_CONFIG_BYTES = 256 * 1024;

const configSchema = z.strictObject({
  /** The spending policy (see the README). */
  policy: z.unknown().optional(),
  /** Providers to buy keys from: "exa", or { "exa": { ...overrides } }. */
  providers: z.array(z.union([z.literal('exa'), z.strictObject({ exa: z.record(z.string(), z.unknown()) })])).max(20).optional(),
  timeoutMs: z.number().int().positive().optional(),
});

export interface CliConfig {
  home: string;
  policy: Policy;
  providers: ProviderRecipe[];
  timeoutMs: number | undefined;
}

export interface GlobalFlags {
  home?: string;
  delegationId?: string;
  paymentMethodId?: string;
  backendUrl?: string;
}

/** Reads PAYING_FETCH_HOME/config.json (optional), bounded and validated. */
export function loadConfig(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): CliConfig {
  const home = flags.home ?? defaultHome(env);
  const file = join(home, 'config.json');
  let raw: unknown = {};
  if (existsSync(file)) {
    if (statSync(file).size > MAX_CONFIG_BYTES) throw new ConfigurationError(`${file} is larger than ${MAX_CONFIG_BYTES} bytes`);
    raw = safeJsonParse(readFileSync(file, 'utf8'));
    if (raw === undefined) throw new ConfigurationError(`${file} is not valid JSON`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigurationError(`${file}: ${issue?.path.join('.') || 'root'}: ${issue?.message}`);
  }
  const providers = (parsed.data.providers ?? []).map((p) => (p === 'exa' ? exa() : exa(p.exa as Parameters<typeof exa>[0])));
  return { home, policy: parsePolicy(parsed.data.policy), providers, timeoutMs: parsed.data.timeoutMs };
}

/** Everything createPayingFetch needs, from flags, environment and the config file. */
export function payingFetchOptions(flags: GlobalFlags, config: CliConfig, env: NodeJS.ProcessEnv = process.env): PayingFetchOptions {
  const apiKey = env.NVM_API_KEY;
  if (!apiKey) throw new ConfigurationError('NVM_API_KEY is not set (export your sandbox:... or live:... Nevermined API key)');
  const delegationId = flags.delegationId ?? (env.NVM_DELEGATION_ID || undefined);
  const paymentMethodId = delegationId ? undefined : (flags.paymentMethodId ?? (env.NVM_PAYMENT_METHOD_ID || undefined));
  return {
    nevermined: { apiKey, backendUrl: flags.backendUrl ?? (env.NVM_BACKEND_URL || undefined), delegationId, paymentMethodId },
    policy: config.policy,
    providers: config.providers,
    store: new EmbeddedStore(config.home),
    timeoutMs: config.timeoutMs,
  };
}

/** The backend client alone (for listing cards and delegations). */
export function backendClient(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): NeverminedRestClient {
  const apiKey = env.NVM_API_KEY;
  if (!apiKey) throw new ConfigurationError('NVM_API_KEY is not set (export your sandbox:... or live:... Nevermined API key)');
  return new NeverminedRestClient({ apiKey, backendUrl: flags.backendUrl ?? (env.NVM_BACKEND_URL || undefined) });
}
