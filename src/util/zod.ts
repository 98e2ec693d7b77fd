// The zod every runtime schema is built with: zod/mini, whose functions tree-shake to what the
// schemas use (~70 KB bundled, against ~390 KB for zod's chained "classic" API, which also binds
// its methods on every schema it builds): this was most of paying-fetch's cold import (issue 17).
// Import it as a namespace (`import * as z from '../util/zod.js'`): a bundler keeps only the
// functions read off it (re-exporting one `z` object would keep all of zod). Types are written
// `z.output<typeof schema>` (what `z.infer` means): the declaration bundler flattens the namespace,
// and a bare `infer<...>` is a syntax error in a .d.ts.
import { $constructor, $ZodObjectJIT, util, type $ZodLooseShape, type $loose, type $strict } from 'zod/v4/core';
import { config, never, unknown, ZodMiniType, type ZodMiniObject } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// Mini ships no error messages; English ones are installed here, so issues read as classic's do.
config(en());

export * from 'zod/mini';

// Objects as classic zod builds them: parsed by code generated on first use (where the runtime
// allows `new Function`), ~2x faster than mini's interpreted objects. A paid call parses a
// receipt on every answer, so this is on the hot path.
const ZodMiniObjectJIT = /*@__PURE__*/ $constructor('ZodMiniObject', (inst: never, def: never) => {
  $ZodObjectJIT.init(inst, def);
  ZodMiniType.init(inst, def);
  // `.shape`, as mini's own objects have it (`z.extend(schema, ...)` and callers building on the x402 schemas read it).
  util.installLazyProp(inst as never, 'shape', (self: { _zod: { def: { shape: unknown } } }) => self._zod.def.shape, false);
});

/** `z.looseObject` (unknown fields kept), parsed by generated code. */
export function looseObject<T extends $ZodLooseShape>(shape: T): ZodMiniObject<T, $loose> {
  return new ZodMiniObjectJIT({ type: 'object', shape, catchall: unknown() } as never) as never;
}

/** `z.strictObject` (unknown fields refused), parsed by generated code. */
export function strictObject<T extends $ZodLooseShape>(shape: T): ZodMiniObject<T, $strict> {
  return new ZodMiniObjectJIT({ type: 'object', shape, catchall: never() } as never) as never;
}
