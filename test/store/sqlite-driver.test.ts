import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/index.js';
import { EmbeddedStore } from '../../src/store/embedded-store.js';
import { defaultLoaders, openSqlite, type SqliteDb, type SqliteLoaders } from '../../src/store/sqlite-driver.js';
import { cli, envFor } from '../cli/run.js';
import { sandbox } from '../helpers.js';
import { tempHome } from './stores.js';

const hasBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.('node:sqlite') !== undefined;

/** better-sqlite3 loads here when it is installed and built for this Node (not on 22/24 with a Node 20 build). */
function betterSqlite3Loads(): boolean {
  try {
    openSqlite(':memory:', { readOnly: false }, { ...defaultLoaders, nodeSqlite: () => undefined }).close();
    return true;
  } catch {
    return false;
  }
}

const drivers: Array<[SqliteDb['driver'], SqliteLoaders]> = [
  ...(hasBuiltin ? [['node:sqlite', defaultLoaders] as [SqliteDb['driver'], SqliteLoaders]] : []),
  ...(betterSqlite3Loads() ? [['better-sqlite3', { ...defaultLoaders, nodeSqlite: () => undefined }] as [SqliteDb['driver'], SqliteLoaders]] : []),
];

const noSuchModule = () => { throw Object.assign(new Error("Cannot find module 'better-sqlite3'"), { code: 'MODULE_NOT_FOUND' }); };

describe('the embedded store picks its SQLite', () => {
  it(`uses ${hasBuiltin ? "the built-in node:sqlite" : 'better-sqlite3'} on Node ${process.version}`, async () => {
    const store = new EmbeddedStore(tempHome());
    expect(store.driver).toBe(hasBuiltin ? 'node:sqlite' : 'better-sqlite3');
    await store.close();
  });

  it('at least one driver runs here (the rest of this file tests each)', () => {
    expect(drivers.length).toBeGreaterThan(0);
  });
});

for (const [name, loaders] of drivers) {
  describe(`the ${name} driver`, () => {
    const open = (path: string, readOnly = false) => openSqlite(path, { readOnly }, loaders);

    it('immediate() takes the write lock at BEGIN: a second connection cannot start one meanwhile', () => {
      const path = join(tempHome(), 'lock.db');
      const a = open(path);
      const b = open(path);
      a.pragma('journal_mode = WAL');
      b.pragma('busy_timeout = 0');
      const error = a.immediate(() => {
        try {
          b.immediate(() => {}); // a deferred BEGIN would succeed here: it takes no lock until a write
          return undefined;
        } catch (e) {
          return e;
        }
      });
      expect(error).toMatchObject({ code: 'SQLITE_BUSY' });
      a.close();
      b.close();
    });

    it('a throw inside immediate() rolls back its writes; a nested one rolls back only its own', () => {
      const db = open(join(tempHome(), 'tx.db'));
      db.exec('CREATE TABLE t (v INTEGER)');
      const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
      expect(() => db.immediate(() => { insert.run(1); throw new Error('boom'); })).toThrow('boom');
      db.immediate(() => {
        insert.run(2);
        expect(() => db.immediate(() => { insert.run(3); throw new Error('inner'); })).toThrow('inner');
        insert.run(4);
      });
      expect(db.prepare('SELECT v FROM t ORDER BY v').all()).toEqual([{ v: 2 }, { v: 4 }]);
      expect(db.prepare('INSERT INTO t (v) VALUES (?)').run(5)).toMatchObject({ changes: 1, lastInsertRowid: 3 });
      expect(db.prepare('SELECT v FROM t WHERE v = ?').get(99)).toBeUndefined();
      db.close();
      expect(db.open).toBe(false);
    });

    it("a write to a read-only database fails with SQLite's own code (SQLITE_READONLY)", () => {
      const path = join(tempHome(), 'ro.db');
      const w = open(path);
      w.exec('CREATE TABLE t (v INTEGER)');
      w.close();
      const r = open(path, true);
      expect(() => r.prepare('INSERT INTO t (v) VALUES (1)').run()).toThrow(expect.objectContaining({ code: 'SQLITE_READONLY', message: expect.stringMatching(/readonly/) }));
      r.close();
    });
  });
}

describe('no SQLite driver', () => {
  it('neither node:sqlite nor better-sqlite3: a ConfigurationError saying what to install', () => {
    const error = (() => { try { openSqlite(join(tempHome(), 's.db'), { readOnly: false }, { nodeSqlite: () => undefined, betterSqlite3: noSuchModule }); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'CONFIGURATION', message: expect.stringMatching(/npm install better-sqlite3.*Node >= 22\.13/) });
  });

  it('better-sqlite3 installed without its native build (or built for another Node): a ConfigurationError saying to rebuild', () => {
    // What the `bindings` package throws when no build exists (it lists the paths it tried).
    const unbuilt = function () { throw Object.assign(new Error('Could not locate the bindings file. Tried: ...'), { tries: ['build/better_sqlite3.node'] }); };
    const error = (() => { try { openSqlite(join(tempHome(), 's.db'), { readOnly: false }, { nodeSqlite: () => undefined, betterSqlite3: () => unbuilt as never }); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/npm rebuild better-sqlite3.*Node >= 22\.13/);
    expect((error as Error).message).not.toContain('\n');
  });

  it("SQLite's own failure to open a file is not mistaken for a missing driver", () => {
    const cantOpen = function () { throw Object.assign(new Error('unable to open database file'), { name: 'SqliteError', code: 'SQLITE_CANTOPEN' }); };
    expect(() => openSqlite('x.db', { readOnly: true }, { nodeSqlite: () => undefined, betterSqlite3: () => cantOpen as never })).toThrow(expect.objectContaining({ code: 'SQLITE_CANTOPEN' }));
  });

  // PAYING_FETCH_INTERNAL_SQLITE_DRIVER=none (tests only) simulates a runtime with neither driver.
  const NONE = { PAYING_FETCH_INTERNAL_SQLITE_DRIVER: 'none' };

  it('the CLI, paying: exits 2 with one line saying what to install, and pays nothing', async () => {
    const sb = await sandbox();
    const run = await cli([`${sb.sellerUrl}/weather`], { ...envFor(sb), ...NONE });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^paying-fetch: The embedded store needs SQLite: .*npm install better-sqlite3.*Node >= 22\.13/);
    expect(run.stdout.length).toBe(0);
    expect(sb.stats()).toMatchObject({ mints: 0, paidResponses: 0 });
  }, 30_000);

  it('the CLI, reading receipts of an existing state: exits 2 with the same one line', async () => {
    const home = tempHome();
    await new EmbeddedStore(home).close();
    const run = await cli(['receipts'], { PAYING_FETCH_HOME: home, ...NONE });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/npm install better-sqlite3/);
  });

  it('with a driver, the same command prints nothing on stderr (Node 22 warns that node:sqlite is experimental: hidden)', async () => {
    const home = tempHome();
    await new EmbeddedStore(home).close();
    const run = await cli(['receipts', '--json'], { PAYING_FETCH_HOME: home });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });
});
