import { ConfigurationError } from '../errors/configuration-error.js';
import { nodeRequire } from '../util/node-require.js';

// The embedded store's SQLite, behind the few calls it makes: Node's built-in `node:sqlite`
// (Node >= 22.13, 24) where the runtime has it, else better-sqlite3 (an optional dependency, for
// Node 20). Loaded when a store opens, never on import (cold start). Both drivers run the same
// SQL on the same SQLite file format, so a state directory moves between them.

export type SqliteParam = string | number | bigint | null;

export interface SqliteStatement {
  run(...params: SqliteParam[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: SqliteParam[]): unknown;
  all(...params: SqliteParam[]): unknown[];
}

export interface SqliteDb {
  readonly driver: 'node:sqlite' | 'better-sqlite3';
  readonly open: boolean;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  /** `PRAGMA <setting>`, its result dropped. */
  pragma(setting: string): void;
  /** Runs `fn` in BEGIN IMMEDIATE ... COMMIT (the write lock first), ROLLBACK if it throws. Nested: a savepoint. */
  immediate<T>(fn: () => T): T;
  close(): void;
}

/** The parts of `node:sqlite` used here (its types are not in @types/node 20). */
interface NodeSqlite {
  DatabaseSync: new (path: string, options: { readOnly: boolean }) => {
    prepare(sql: string): SqliteStatement;
    exec(sql: string): void;
    close(): void;
  };
}

/** The parts of better-sqlite3 used here. */
interface BetterSqlite3Db {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  pragma(setting: string): unknown;
  transaction<F extends (...args: never[]) => unknown>(fn: F): { immediate: F };
  close(): void;
}
type BetterSqlite3 = new (path: string, options: { readonly: boolean; fileMustExist: boolean }) => BetterSqlite3Db;

/** Where each driver comes from: replaced only by tests (an injected loader). */
export interface SqliteLoaders {
  nodeSqlite(): NodeSqlite | undefined;
  betterSqlite3(): BetterSqlite3;
}

export const defaultLoaders: SqliteLoaders = {
  nodeSqlite: loadNodeSqlite,
  betterSqlite3: () => nodeRequire<BetterSqlite3>('better-sqlite3'),
};

/**
 * INTERNAL, for tests only: PAYING_FETCH_INTERNAL_SQLITE_DRIVER=none|node:sqlite|better-sqlite3
 * restricts which drivers are tried (`none` simulates a runtime with neither, e.g. in a spawned
 * CLI). Not a supported setting.
 */
const TEST_SWITCH = 'PAYING_FETCH_INTERNAL_SQLITE_DRIVER';

export function openSqlite(path: string, options: { readOnly: boolean }, loaders: SqliteLoaders = defaultLoaders): SqliteDb {
  const only = process.env[TEST_SWITCH];
  const builtin = only === undefined || only === 'node:sqlite' ? loaders.nodeSqlite() : undefined;
  if (builtin) return openNodeSqlite(builtin, path, options.readOnly);
  if (only !== undefined && only !== 'better-sqlite3') throw missingDriver(undefined);
  let Database: BetterSqlite3;
  try {
    Database = loaders.betterSqlite3();
  } catch (error) {
    throw missingDriver(error);
  }
  let db: BetterSqlite3Db;
  try {
    db = new Database(path, { readonly: options.readOnly, fileMustExist: options.readOnly });
  } catch (error) {
    // better-sqlite3 loads its native module on first open: a skipped or foreign build fails here.
    if (isAddonFailure(error)) throw missingDriver(error);
    throw error;
  }
  return wrapBetterSqlite3(db);
}

/** `node:sqlite` where the runtime has it unflagged; its one-time ExperimentalWarning (Node 22) is ours to hide. */
function loadNodeSqlite(): NodeSqlite | undefined {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (!getBuiltin) return undefined;
  const emit = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'ExperimentalWarning' && /SQLite/.test(String(warning))) return;
    return (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return getBuiltin.call(process, 'node:sqlite') as NodeSqlite | undefined;
  } finally {
    process.emitWarning = emit;
  }
}

function isAddonFailure(error: unknown): boolean {
  const e = error as { code?: unknown; tries?: unknown } | undefined;
  // ERR_DLOPEN_FAILED: built for another Node; `tries`: the bindings package found no build at all.
  return e?.code === 'ERR_DLOPEN_FAILED' || e?.code === 'MODULE_NOT_FOUND' || Array.isArray(e?.tries);
}

function missingDriver(cause: unknown): ConfigurationError {
  const installed = cause !== undefined && (cause as { code?: unknown }).code !== 'MODULE_NOT_FOUND';
  const message = installed
    ? `The embedded store needs SQLite: Node ${process.version} has no node:sqlite and better-sqlite3's native module does not load here; run \`npm rebuild better-sqlite3\`, or use Node >= 22.13`
    : `The embedded store needs SQLite: Node ${process.version} has no node:sqlite and better-sqlite3 is not installed; run \`npm install better-sqlite3\`, or use Node >= 22.13`;
  const error = new ConfigurationError(message);
  // The loader's error stays reachable for debugging (a path, never a secret), not printed by the CLI.
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
  return error;
}

function wrapBetterSqlite3(db: BetterSqlite3Db): SqliteDb {
  // One transaction function, reused: better-sqlite3 runs it as BEGIN IMMEDIATE (a savepoint when nested).
  const inTransaction = db.transaction((fn: () => unknown) => fn());
  let open = true;
  return {
    driver: 'better-sqlite3',
    get open() { return open; },
    prepare: (sql) => db.prepare(sql),
    exec: (sql) => { db.exec(sql); },
    pragma: (setting) => { db.pragma(setting); },
    immediate: <T>(fn: () => T) => inTransaction.immediate(fn) as T,
    close: () => { open = false; db.close(); },
  };
}

function openNodeSqlite(sqlite: NodeSqlite, path: string, readOnly: boolean): SqliteDb {
  const db = translated(() => new sqlite.DatabaseSync(path, { readOnly }));
  const statement = (sql: string): SqliteStatement => {
    const s = translated(() => db.prepare(sql));
    // try/catch inline, not through translated(): no closure per call on the hot path.
    return {
      run(...params) { try { return s.run(...params); } catch (error) { throw named(error); } },
      get(...params) { try { return s.get(...params); } catch (error) { throw named(error); } },
      all(...params) { try { return s.all(...params); } catch (error) { throw named(error); } },
    };
  };
  const begin = statement('BEGIN IMMEDIATE');
  const commit = statement('COMMIT');
  const rollback = statement('ROLLBACK');
  let depth = 0;
  let open = true;
  const run = <T>(fn: () => T, start: () => void, end: () => void, undo: () => void): T => {
    start();
    depth++;
    try {
      const result = fn();
      end();
      return result;
    } catch (error) {
      try { undo(); } catch { /* SQLite may have rolled back already (e.g. on SQLITE_FULL) */ }
      throw error;
    } finally {
      depth--;
    }
  };
  return {
    driver: 'node:sqlite',
    get open() { return open; },
    prepare: statement,
    exec: (sql) => translated(() => db.exec(sql)),
    pragma: (setting) => translated(() => db.exec(`PRAGMA ${setting}`)),
    immediate: (fn) => depth === 0
      ? run(fn, () => begin.run(), () => commit.run(), () => rollback.run())
      : run(fn, () => db.exec('SAVEPOINT pf_nested'), () => db.exec('RELEASE pf_nested'), () => db.exec('ROLLBACK TO pf_nested; RELEASE pf_nested')),
    close: () => { open = false; db.close(); },
  };
}

/** SQLite's primary result codes by number, named as better-sqlite3 names them (StoreError.driverCode). */
const RESULT_NAMES = [
  'OK', 'ERROR', 'INTERNAL', 'PERM', 'ABORT', 'BUSY', 'LOCKED', 'NOMEM', 'READONLY', 'INTERRUPT', 'IOERR', 'CORRUPT', 'NOTFOUND',
  'FULL', 'CANTOPEN', 'PROTOCOL', 'EMPTY', 'SCHEMA', 'TOOBIG', 'CONSTRAINT', 'MISMATCH', 'MISUSE', 'NOLFS', 'AUTH', 'FORMAT', 'RANGE', 'NOTADB',
];

/** node:sqlite's errors say `ERR_SQLITE_ERROR` plus a number: they get the `SQLITE_*` code better-sqlite3 gives. */
function named(error: unknown): unknown {
  const e = error as { code?: unknown; errcode?: unknown; name?: string } | undefined;
  if (e?.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') {
    const name = RESULT_NAMES[e.errcode & 0xff];
    if (name) {
      e.code = `SQLITE_${name}`;
      e.name = 'SqliteError';
    }
  }
  return error;
}

function translated<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw named(error);
  }
}
