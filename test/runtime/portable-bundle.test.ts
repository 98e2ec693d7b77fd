import { describe, expect, it } from 'vitest';
import { bundlePortable, NODE_BUILTINS } from './portable-bundle.js';

describe('paying-fetch/portable', () => {
  it('bundles for the browser platform with no Node built-in on its path', async () => {
    const bundle = await bundlePortable();
    // Each error names the file that imports a built-in (node:crypto, os, ...): none may remain.
    expect(bundle.errors.map((e) => `${e.location?.file ?? ''}: ${e.text}`)).toEqual([]);
    expect(bundle.imports.filter((i) => NODE_BUILTINS.has(i))).toEqual([]);
    expect(bundle.code).toContain('createPayingFetch');
    // Node-only parts stay out: the SQLite driver, the CLI, files.
    expect(bundle.code).not.toMatch(/better-sqlite3|commander|homedir\(/);
  }, 60_000);
});
