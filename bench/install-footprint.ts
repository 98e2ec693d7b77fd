// npm run bench, install section: what `npm install paying-fetch` puts on disk, beside
// `npm install @x402/fetch`, each into an empty directory (issue 17). Peers are optional, so none
// is installed. Needs the npm registry (or npm's cache); a failed install is reported, not thrown.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Footprint {
  install: string;
  /** Bytes under node_modules, or the reason it could not be measured. */
  bytes: number | string;
  packages: number;
  seconds: number;
}

/** Bytes of every file below `dir` (symlinks not followed). */
function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += sizeOf(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** Packages installed: one per `package.json` directly below node_modules (scoped ones counted inside). */
function packagesIn(modules: string): number {
  let n = 0;
  for (const name of readdirSync(modules)) {
    if (name.startsWith('.')) continue;
    n += name.startsWith('@') ? readdirSync(join(modules, name)).length : 1;
  }
  return n;
}

function installInto(label: string, spec: string, flags: string[]): Footprint {
  const dir = mkdtempSync(join(tmpdir(), 'pf-footprint-'));
  try {
    execFileSync('npm', ['init', '-y'], { cwd: dir, stdio: 'ignore' });
    const t0 = performance.now();
    const out = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...flags, spec], { cwd: dir, encoding: 'utf8', timeout: 15 * 60_000 });
    const seconds = (performance.now() - t0) / 1000;
    if (out.status !== 0) return { install: label, bytes: `install failed: ${(out.stderr || out.error?.message || '').split('\n')[0]}`, packages: 0, seconds };
    const modules = join(dir, 'node_modules');
    return { install: label, bytes: sizeOf(modules), packages: packagesIn(modules), seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm pack` of this tree (built), then the installs side by side, one after another. */
export function measureFootprints(): Footprint[] {
  const packDir = mkdtempSync(join(tmpdir(), 'pf-pack-'));
  const tarball = join(packDir, execFileSync('npm', ['pack', '--silent', '--pack-destination', packDir], { encoding: 'utf8' }).trim().split('\n').pop()!);
  try {
    return [
      installInto('paying-fetch (default: optional better-sqlite3 fetched and built)', tarball, []),
      installInto('paying-fetch `--omit=optional` (node:sqlite on Node >= 22.13)', tarball, ['--omit=optional']),
      installInto('@x402/fetch', '@x402/fetch', []),
    ];
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}

// Alone: npx tsx bench/install-footprint.ts (after a build).
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const f of measureFootprints()) console.log(f.install.padEnd(70), typeof f.bytes === 'number' ? `${(f.bytes / 1e6).toFixed(1)} MB` : f.bytes, f.packages, `${f.seconds.toFixed(0)} s`);
}
