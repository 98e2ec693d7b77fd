import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigurationError } from '../errors/configuration-error.js';
import type { PayingFetchOptions } from '../fetch/options.js';
import { optionsFromEnv } from '../fetch/from-env.js';
import { NeverminedRestClient } from '../nevermined/rest-client.js';
import { parsePolicy, type Policy } from '../policy/policy.js';
import { exa } from '../providers/exa.js';
import type { ProviderRecipe } from '../providers/recipe.js';
import { EmbeddedStore } from '../store/embedded-store.js';
import { MemoryStore } from '../store/memory-store.js';
import { defaultHome } from '../store/state-dir.js';
import type { Store } from '../store/types.js';
import { safeJsonParse } from '../util/safe-json.js';
import { ConfigFileError } from './config-file-error.js';

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

function readConfigFile(file: string): unknown {
  if (!existsSync(file)) return {};
  if (statSync(file).size > MAX_CONFIG_BYTES) throw new ConfigFileError(`${file} is larger than ${MAX_CONFIG_BYTES} bytes`, file);
  const raw = safeJsonParse(readFileSync(file, 'utf8'));
  if (raw === undefined) throw new ConfigFileError(`${file} is not valid JSON`, file);
  return raw;
}

/** Reads PAYING_FETCH_HOME/config.json (optional), bounded and validated. */
export function loadConfig(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): CliConfig {
  const home = flags.home ?? defaultHome(env);
  const file = join(home, 'config.json');
  const parsed = configSchema.safeParse(readConfigFile(file));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigFileError(`${file}: ${issue?.path.join('.') || 'root'}: ${issue?.message}`, file);
  }
  const providers = (parsed.data.providers ?? []).map((p) => (p === 'exa' ? exa() : exa(p.exa as Parameters<typeof exa>[0])));
  let policy: Policy;
  try {
    policy = parsePolicy(parsed.data.policy);
  } catch (error) {
    throw new ConfigFileError(`${file}: ${(error as Error).message}`, file);
  }
  return { home, policy, providers, timeoutMs: parsed.data.timeoutMs };
}

/** Everything createPayingFetch needs: the library reads the environment, flags override it. */
export function payingFetchOptions(flags: GlobalFlags, config: CliConfig, env: NodeJS.ProcessEnv = process.env): PayingFetchOptions {
  const fromEnv = optionsFromEnv({ ...env, PAYING_FETCH_HOME: config.home });
  const nevermined = fromEnv.nevermined as { apiKey: string; backendUrl?: string; delegationId?: string; paymentMethodId?: string };
  const delegationId = flags.delegationId ?? nevermined.delegationId;
  return {
    ...fromEnv,
    nevermined: {
      apiKey: nevermined.apiKey,
      backendUrl: flags.backendUrl ?? nevermined.backendUrl,
      delegationId,
      paymentMethodId: delegationId ? undefined : (flags.paymentMethodId ?? nevermined.paymentMethodId),
    },
    policy: config.policy,
    providers: config.providers,
    timeoutMs: config.timeoutMs,
  };
}

/** The backend client alone (for listing cards and delegations). */
export function backendClient(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): NeverminedRestClient {
  // optionsFromEnv would open the state too; listing the backend's delegations needs only the key.
  if (!env.NVM_API_KEY) throw new ConfigurationError('NVM_API_KEY is not set: export your Nevermined API key (sandbox:... or live:...)');
  return new NeverminedRestClient({ apiKey: env.NVM_API_KEY, backendUrl: flags.backendUrl ?? (env.NVM_BACKEND_URL || undefined) });
}

/**
 * The state opened read-only: a running agent keeps writing. A home with no state yet reads as
 * empty (nothing was spent), not as an error.
 */
export function readOnlyStore(home: string): { store: Store; empty: boolean } {
  if (!existsSync(join(home, 'state.db'))) return { store: new MemoryStore(), empty: true };
  return { store: new EmbeddedStore(home, { readOnly: true }), empty: false };
}
