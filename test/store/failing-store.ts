import type { Store } from '../../src/store/types.js';

/** The methods that change a store: the ones a full disk or a lost connection makes fail. */
const WRITES = new Set<string>([
  'reserve', 'settle', 'appendReceipt', 'updateReceipt', 'putKey', 'deleteKey', 'addUnits',
  'putPending', 'deletePending', 'putSecret', 'deleteSecret', 'tryLock', 'unlock',
]);

/** An error shaped like better-sqlite3's on a full disk. */
export function sqliteFull(): Error {
  return Object.assign(new Error('database or disk is full'), { name: 'SqliteError', code: 'SQLITE_FULL' });
}

/** An error shaped like ioredis' when Redis went away (it carries the command: drivers do). */
export function redisGone(): Error {
  return Object.assign(new Error('Connection is closed.'), { code: 'ECONNRESET', command: { name: 'set', args: ['k', 'secret-value'] } });
}

export type FailingStore<S extends Store = Store> = S & {
  /** From now on every write fails (with `error()`, default SQLITE_FULL), until called with false. */
  failWrites(on: boolean, error?: () => Error): FailingStore<S>;
  /** Reads fail too (Redis went away). */
  failReads(on: boolean, error?: () => Error): FailingStore<S>;
  /** Writes attempted (and refused) while failing, by method. */
  readonly refused: Record<string, number>;
};

/**
 * A store whose writes (and reads) can be made to fail on demand, in front of a real one: a disk
 * that fills up after the first paid call, Redis going away mid-call. Raw driver errors come out,
 * as from a store nobody wrapped.
 */
export function failingStore<S extends Store>(inner: S): FailingStore<S> {
  let writes: (() => Error) | undefined;
  let reads: (() => Error) | undefined;
  const refused: Record<string, number> = {};
  const control = {
    failWrites(on: boolean, error: () => Error = sqliteFull) {
      writes = on ? error : undefined;
      return proxy;
    },
    failReads(on: boolean, error: () => Error = redisGone) {
      reads = on ? error : undefined;
      return proxy;
    },
    refused,
  };
  const proxy = new Proxy(inner, {
    get(target, property) {
      if (typeof property === 'string' && property in control) return control[property as keyof typeof control];
      const value = Reflect.get(target, property) as unknown; // read on the store itself: its #private fields
      if (typeof value !== 'function') return value;
      if (typeof property !== 'string' || property === 'close') return (value as (...a: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        const failure = WRITES.has(property) ? writes : reads;
        if (failure) {
          refused[property] = (refused[property] ?? 0) + 1;
          throw failure();
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as FailingStore<S>;
  return proxy;
}
