import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundlePortable } from './portable-bundle.js';

// Cold import (issue 17): zod's chained "classic" API is ~390 KB bundled and builds every schema
// with its methods bound; the library's schemas use zod/mini through src/util/zod.ts (~75 KB).
// One `import { z } from 'zod'` on the import path would bring all of classic back.

/** Every .ts file under a directory. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe("the library's zod", () => {
  it('no module of the library imports zod itself, only src/util/zod.ts does (the sandbox and CLI are apart)', () => {
    const offenders = sources('src')
      .filter((file) => !/^src[\\/](sandbox|cli)[\\/]/.test(file) && file !== join('src', 'util', 'zod.ts'))
      .filter((file) => /(from |import\(|require\()\s*['"]zod(\/[^'"]*)?['"]/.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it("a browser bundle of paying-fetch/portable carries zod/mini's parts, not zod's classic API", async () => {
    const bundle = await bundlePortable();
    expect(bundle.errors).toEqual([]);
    // The classic constructors are named "ZodType", "ZodObject", ...; mini's "ZodMiniType", ...
    expect(bundle.code).toContain('"ZodMiniObject"');
    expect(bundle.code).not.toMatch(/"Zod(Type|Object|String)"/);
    // Nor the parts no schema here uses: JSON Schema conversion, every locale but English.
    expect(bundle.code).not.toMatch(/toJSONSchema|fromJSONSchema/);
    expect(bundle.code.length).toBeLessThan(450_000);
  }, 60_000);
});
