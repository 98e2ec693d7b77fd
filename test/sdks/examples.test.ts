import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Examples are the user's view: they import only the package (resolved through its "exports",
// so from dist/), and those that run offline against the sandbox are run here, so none can rot.
// Needs a build: `npm test` runs tsup first.

const root = join(import.meta.dirname, '..', '..');
const dir = join(root, 'examples');
const examples = readdirSync(dir).filter((f) => f.endsWith('.ts'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; peerDependencies: Record<string, string> };
const OWN = new Set(['paying-fetch', 'paying-fetch/sandbox', 'paying-fetch/advanced']);

/** Offline examples and a line each must print. The others need a real server or credentials. */
const OFFLINE: Record<string, { args?: string[]; prints: RegExp }> = {
  'quickstart.ts': { prints: /^200 / },
  'budget-capped-agent.ts': { prints: /reconcile: ledger matches the backend/ },
  'demo.ts': { prints: /receipts on disk\s+15 in/ },
  'exa-search.ts': { args: ['--sandbox', 'agents'], prints: /^200 .*"results"/ },
  'x402-exact.ts': { prints: /^200 \{ weather: 'sunny' \}/ },
  'mpp.ts': { prints: /^200 / },
  'openai.ts': { prints: /^streamed: Paid answer to: Stream it/ },
  'ai-sdk.ts': { prints: /^streamed: Paid answer to: Stream it/ },
  'langchain.ts': { prints: /^streamed: Paid answer to: Stream it/ },
  'exa-js.ts': { prints: /^streamed answer: Paid streamed answer/ },
  'mcp-http.ts': { prints: /^countdown: .*liftoff/ },
  'ky.ts': { prints: /^refused: POLICY_DENIED/ },
  'axios.ts': { prints: /^refused: POLICY_DENIED/ },
};
/** Examples for real servers: without credentials they stop with their usage line (exit 2), imports resolved. */
const ONLINE = ['mcp-tools.ts', 'mpp-codec.ts', 'with-nevermined-sdk.ts', 'a2a.ts'];

function specifiers(source: string): string[] {
  return [...source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => (m[1] ?? m[2])!);
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function run(file: string, args: string[] = []) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('NVM_') || name === 'PAYING_FETCH_HOME') delete env[name];
  return spawnSync(join(root, 'node_modules', '.bin', 'tsx'), [join(dir, file), ...args], { cwd: root, env, encoding: 'utf8', timeout: 90_000 });
}

describe('examples', () => {
  it('is a built package (dist/) they can import', () => {
    for (const entry of ['dist/index.js', 'dist/sandbox/index.js', 'dist/advanced.js', 'dist/index.d.ts']) {
      expect(existsSync(join(root, entry)), `${entry} missing: run npx tsup (npm test builds first)`).toBe(true);
    }
  });

  it.each(examples)('%s imports only the package and installed SDKs, never ../src or ../test', (file) => {
    const used = specifiers(readFileSync(join(dir, file), 'utf8'));
    expect(used.length).toBeGreaterThan(0);
    for (const specifier of used) {
      if (specifier.startsWith('node:') || OWN.has(specifier)) continue;
      expect(specifier, `${file} imports ${specifier}`).not.toMatch(/^[./]/);
      expect(Object.keys({ ...pkg.devDependencies, ...pkg.peerDependencies }), `${file}: ${specifier} is not a dependency`).toContain(packageOf(specifier));
    }
  });

  it('every example is either run here or listed as needing a real server', () => {
    expect([...Object.keys(OFFLINE), ...ONLINE].sort()).toEqual([...examples].sort());
  });

  it('type-check against the built package', () => {
    const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', 'examples'], { cwd: root, encoding: 'utf8', timeout: 240_000 });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 300_000);

  it.each(Object.entries(OFFLINE))('%s runs offline against the sandbox', (file, { args, prints }) => {
    const result = run(file, args);
    expect(result.status, `${file} failed:\n${result.stderr}`).toBe(0);
    expect(result.stdout.split('\n').some((line) => prints.test(line)), `${file} printed:\n${result.stdout}`).toBe(true);
  }, 120_000);

  it.each(ONLINE)('%s stops with its usage line without credentials', (file) => {
    const result = run(file);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/usage|Set NVM_API_KEY/i);
  }, 120_000);
});
