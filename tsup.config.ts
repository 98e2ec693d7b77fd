import { defineConfig, type Options } from 'tsup';

const common: Options = {
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  splitting: false,
  // p-retry is ESM only: bundle it so the CJS build keeps working with require().
  noExternal: ['p-retry'],
};

export default defineConfig([
  {
    ...common,
    entry: { index: 'src/index.ts', advanced: 'src/advanced.ts', 'sandbox/index': 'src/sandbox/index.ts' },
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
]);
