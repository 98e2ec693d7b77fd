import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { bundlePortable } from './portable-bundle.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM) && spawnSync(CHROMIUM, ['--version']).status === 0;
if (!hasChromium) console.warn('\n!!! chromium is not installed: the browser run of paying-fetch/portable is SKIPPED (apt-get install -y chromium) !!!\n');

/** What the page reports back from its paid call. */
interface PageResult {
  status: number;
  body: string;
  isGlobalResponse: boolean;
  receipts: Array<{ status: number; origin: string; path: string; outcome: string; tokenHash?: string | undefined }>;
  spentCents: number;
  error?: string;
}

describe.skipIf(!hasChromium)('paying-fetch/portable in headless Chromium', () => {
  let sb: Sandbox;
  let page: Server;
  let pageUrl: string;
  let profile: string;

  beforeAll(async () => {
    sb = await createSandbox();
    const bundle = await bundlePortable();
    expect(bundle.errors).toEqual([]);
    // The page and the bundle come from their own loopback origin: the sandbox is another origin (CORS).
    page = createServer((req, res) => {
      if (req.url === '/paying-fetch.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle.code);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/paying-fetch.js"></script><body>ready</body>');
    });
    await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
    pageUrl = `http://127.0.0.1:${(page.address() as AddressInfo).port}/`;
    profile = mkdtempSync(join(tmpdir(), 'pf-chromium-'));
  }, 60_000);

  afterAll(async () => {
    await sb?.close();
    page?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('pays a 402 through the browser bundle: mint at the sandbox backend, paid replay, receipt, budget', async () => {
    const { chromium } = await import('playwright-core');
    // A fresh profile (playwright passes it as --user-data-dir).
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const tab = await browser.newPage();
      const requested: string[] = [];
      tab.on('request', (r) => requested.push(r.url()));
      await tab.goto(pageUrl);
      const charges0 = sb.world.charges.length;
      const result = await tab.evaluate(
        async ({ seller, nevermined }): Promise<PageResult> => {
          const { createPayingFetch } = (globalThis as unknown as { PayingFetch: typeof import('../../src/portable.js') }).PayingFetch;
          try {
            const pay = createPayingFetch({ nevermined, policy: { budget: { perDayCents: 5_000 } } });
            const res = await pay(`${seller}/weather`);
            const body = await res.text();
            const receipts = (await pay.receipts()).map((r) => ({ status: r.status, origin: r.origin, path: r.path, outcome: r.outcome, tokenHash: r.tokenHash }));
            const budget = await pay.budget();
            return { status: res.status, body, isGlobalResponse: res instanceof Response, receipts, spentCents: budget.perDay.reservedCents + budget.perDay.committedCents };
          } catch (error) {
            return { status: 0, body: '', isGlobalResponse: false, receipts: [], spentCents: 0, error: `${(error as Error).name}: ${(error as Error).message}` };
          }
        },
        { seller: sb.sellerUrl, nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId } },
      );
      expect(result.error).toBeUndefined();
      expect(result.status).toBe(200);
      expect(JSON.parse(result.body)).toMatchObject({ method: 'GET', path: '/weather' });
      expect(result.isGlobalResponse).toBe(true);
      // The receipt's fingerprint of the token was made by the portable SHA-256 (no node:crypto in a page).
      const token = sb.world.tokensIssued().at(-1)!;
      const tokenHash = 'sha256:' + createHash('sha256').update(token).digest('hex').slice(0, 32);
      expect(result.receipts).toEqual([{ status: 200, origin: sb.sellerUrl, path: '/weather', outcome: 'paid', tokenHash }]);
      expect(result.spentCents).toBeGreaterThan(0);
      // The seller was paid with a token the sandbox minted for this browser's request.
      expect(sb.world.mints.length).toBeGreaterThan(0);
      expect(sb.world.charges.length).toBeGreaterThan(charges0);
      // A redirect a browser hides (opaque under redirect: 'manual') is a clear TypeError, not a silent status 0.
      sb.route('/moved', { raw: (_req, res) => void res.writeHead(302, { location: '/free', 'access-control-allow-origin': '*' }).end() });
      const moved = await tab.evaluate(async ({ seller, nevermined }) => {
        const { createPayingFetch } = (globalThis as unknown as { PayingFetch: typeof import('../../src/portable.js') }).PayingFetch;
        return createPayingFetch({ nevermined })(`${seller}/moved`).then((r) => `answered ${r.status}`, (e: Error) => `${e.name}: ${e.message}`);
      }, { seller: sb.sellerUrl, nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId } });
      expect(moved).toBe(`TypeError: fetch failed: ${sb.sellerUrl}/moved redirects, and this runtime hides where to (opaque redirect): call the final URL`);
      // Nothing left loopback.
      expect(requested.filter((u) => !u.startsWith('http://127.0.0.1:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
