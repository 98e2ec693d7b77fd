import { PayingFetchError } from '../errors/paying-fetch-error.js';
import { StoreError } from '../errors/store-error.js';
import type { Store } from './types.js';

const GUARDED = Symbol('paying-fetch.storeErrors');

/** The methods of the Store contract (all async): the ones guarded. Others pass through as they are. */
const STORE_METHODS = new Set<string>([
  'reserve', 'settle', 'getEntry', 'entries', 'usage', 'appendReceipt', 'updateReceipt', 'receipts',
  'getKey', 'putKey', 'deleteKey', 'keys', 'addUnits', 'putPending', 'getPending', 'deletePending',
  'getSecret', 'putSecret', 'deleteSecret', 'tryLock', 'unlock', 'lockHolder', 'close',
]);

/**
 * The store boundary: every method of `store` that fails with a driver's error (SQLite, Redis,
 * Postgres, a user's own store) fails with a `StoreError` instead, naming the operation, the
 * driver's error as its cause. paying-fetch's own typed errors pass through unchanged. Wrapping
 * twice is a no-op; other properties of the store (e.g. `path`) stay reachable.
 */
export function withStoreErrors<S extends Store>(store: S): S {
  if ((store as { [GUARDED]?: true })[GUARDED]) return store;
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (property === GUARDED) return true;
      const value = Reflect.get(target, property) as unknown; // read on the store itself: its #private fields
      if (typeof value !== 'function') return value;
      if (typeof property !== 'string' || !STORE_METHODS.has(property)) return (value as (...a: unknown[]) => unknown).bind(target);
      let guarded = wrapped.get(property);
      if (!guarded) {
        const method = value as (...args: unknown[]) => unknown;
        guarded = (...args: unknown[]) => guard(property, () => method.apply(target, args));
        wrapped.set(property, guarded);
      }
      return guarded;
    },
  });
}

async function guard(operation: string, run: () => unknown): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof PayingFetchError) throw error;
    throw new StoreError({ operation }, error);
  }
}
