import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, payingFetch } from '../../src/index.js';
import { sandbox } from '../helpers.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { tempHome } from '../store/stores.js';

afterEach(() => vi.unstubAllEnvs());

describe('the ready-made payingFetch', () => {
  it('imports without configuration and explains what is missing on first use', async () => {
    vi.stubEnv('NVM_API_KEY', '');
    const error = await payingFetch('http://127.0.0.1:1/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/NVM_API_KEY/);
  });

  it('pays with NVM_API_KEY, NVM_DELEGATION_ID and NVM_BACKEND_URL', async () => {
    const sb = await sandbox();
    for (const [k, v] of Object.entries(sb.env())) vi.stubEnv(k, v);
    const home = tempHome();
    vi.stubEnv('PAYING_FETCH_HOME', home);
    const { payingFetch: fresh } = await import('../../src/fetch/from-env.js').then((m) => ({ payingFetch: m.lazyPayingFetch() }));
    expect((await fresh(`${sb.sellerUrl}/weather`)).status).toBe(200);
    expect(sb.stats().mints).toBe(1);
    // Its ledger lives on disk, in PAYING_FETCH_HOME.
    const store = new EmbeddedStore(home, { readOnly: true });
    expect(await store.receipts()).toHaveLength(1);
    await store.close();
  });

  it('an unknown key prefix without a backend URL is a configuration error', async () => {
    vi.stubEnv('NVM_API_KEY', 'nonsense:abc.def.ghi');
    vi.stubEnv('NVM_BACKEND_URL', '');
    const { lazyPayingFetch } = await import('../../src/fetch/from-env.js');
    const error = await lazyPayingFetch()('http://127.0.0.1:1/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
  });
});
