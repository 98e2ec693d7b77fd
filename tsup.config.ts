import { defineConfig, type Options } from 'tsup';

// zod is bundled (one file parses far faster than its ~100 modules: cold import, BENCHMARKS.md),
// without its translated error messages: `z.locales` is never used here and is 366 KB of the 750.
// English messages stay (zod imports them directly).
const zodWithoutLocales = {
  name: 'zod-without-locales',
  setup(build: { onResolve: Function; onLoad: Function }) {
    build.onResolve({ filter: /locales\/index\.js$/ }, (args: { importer: string }) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'zod-locales' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-locales' }, () => ({ contents: 'export {}', loader: 'js' }));
  },
};

const common: Options = {
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  splitting: false,
  // p-retry is ESM only: bundle it so the CJS build keeps working with require().
  noExternal: ['p-retry', 'zod'],
  esbuildPlugins: [zodWithoutLocales as never],
  // import.meta.url in the CommonJS build (src/util/node-require.ts).
  shims: true,
};

export default defineConfig([
  {
    ...common,
    entry: { index: 'src/index.ts', advanced: 'src/advanced.ts', undici: 'src/undici.ts', 'sandbox/index': 'src/sandbox/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
  },
  {
    // The command: ESM only (it awaits at the top level).
    ...common,
    entry: { 'cli/main': 'src/cli/main.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
  },
  {
    // Any runtime with fetch and Web Crypto: no Node built-ins (test/runtime/portable-bundle.test.ts).
    ...common,
    entry: { portable: 'src/portable.ts' },
    platform: 'browser',
    target: 'es2022',
    format: ['esm'],
    dts: true,
    clean: false,
  },
]);
