import { createRequire } from 'node:module';

// A CommonJS package loaded when first needed rather than when paying-fetch is imported (cold
// start: better-sqlite3's JavaScript alone costs ~15 ms, and most agents never open the embedded
// store). Node only. In the CommonJS build tsup's shim supplies import.meta.url.
let load: NodeRequire | undefined;

export function nodeRequire<T>(id: string): T {
  load ??= createRequire(import.meta.url);
  return load(id) as T;
}
