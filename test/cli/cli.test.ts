import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandbox } from '../helpers.js';
import { tempHome } from '../store/stores.js';
import { CLI, cli, envFor } from './run.js';

describe('the paying-fetch command', () => {
  it('a paid GET: the body on stdout untouched, one summary line on stderr', async () => {
    const sb = await sandbox();
    const run = await cli([`${sb.sellerUrl}/weather`], envFor(sb));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.toString())).toMatchObject({ ok: true, path: '/weather' });
    expect(run.stderr).toMatch(/^paying-fetch: 200 OK · minted 1 token · charged \$1\.00 · receipt 0x[0-9a-f]+\n$/);
    expect(sb.stats()).toMatchObject({ mints: 1, paidResponses: 1 });
  });

  it('a POST with a binary body sends it byte for byte', async () => {
    const sb = await sandbox();
    const file = join(tempHome(), 'body.bin');
    const bytes = Buffer.from([0, 255, 10, 13, 0, 128, 7]);
    writeFileSync(file, bytes);
    const run = await cli(['fetch', '-X', 'POST', '-H', 'content-type: application/octet-stream', '--data-binary', `@${file}`, `${sb.sellerUrl}/echo`], envFor(sb));
    expect(run.code).toBe(0);
    expect(sb.sellerRequests.map((r) => r.body.equals(bytes))).toEqual([true, true]);
    expect(JSON.parse(run.stdout.toString()).bodyBase64).toBe(bytes.toString('base64'));
  });

  it('--json prints one stable object with the payment facts', async () => {
    const sb = await sandbox();
    const run = await cli(['--json', `${sb.sellerUrl}/metered`], envFor(sb));
    const out = JSON.parse(run.stdout.toString());
    expect(out).toMatchObject({ status: 200, bodyEncoding: 'utf8', payment: { minted: 1, purchases: 0, paid: true, chargedCents: 100, receipt: { success: true } } });
    expect(out.payment.receipts[0]).toMatchObject({ orderTx: expect.stringMatching(/^pi_/), amountCents: 100, outcome: 'paid' });
  });

  it('a budget refusal exits 3 with one line naming the cause and the fix, and pays nothing', async () => {
    const sb = await sandbox();
    const home = join(tempHome(), 'state');
    const env = envFor(sb, home);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(join(home, 'config.json'), JSON.stringify({ policy: { budget: { perDayCents: 500 } } }));
    const run = await cli([`${sb.sellerUrl}/weather`], env);
    expect(run.code).toBe(3);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/budget\.perDay has \$5\.00 left.*fix: /);
    expect(run.stdout.length).toBe(0);
    expect(sb.stats().mints).toBe(0);
  });

  it('missing NVM_API_KEY is a usage error (exit 2) that says what to set', async () => {
    const run = await cli(['https://api.example.com/x'], { PAYING_FETCH_HOME: join(tempHome(), 'state') });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/NVM_API_KEY is not set/);
  });

  it('receipts as CSV and as JSON', async () => {
    const sb = await sandbox();
    const env = envFor(sb);
    await cli([`${sb.sellerUrl}/metered`], env);
    await cli([`${sb.sellerUrl}/metered?secret=shh`], env);
    const csv = (await cli(['receipts', '--csv'], env)).stdout.toString().trim().split('\n');
    expect(csv[0]).toBe('id,at,method,origin,path,status,outcome,provider,planId,delegationId,transaction,orderTx,amountCents,creditsRedeemed,remainingBalance,tokenHash,agent');
    expect(csv).toHaveLength(3);
    expect(csv.join('\n')).not.toContain('shh');
    const json = JSON.parse((await cli(['receipts', '--json', '--origin', sb.sellerUrl], env)).stdout.toString());
    expect(json.map((r: { amountCents: number }) => r.amountCents)).toEqual([100, 100]);
  });

  it('keys are listed redacted', async () => {
    const sb = await sandbox();
    const home = join(tempHome(), 'state');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(join(home, 'config.json'), JSON.stringify({ providers: [{ exa: { purchaseUrl: `${sb.vendorUrl}/team-management/nevermined/purchase-key`, apiOrigin: sb.vendorUrl } }] }));
    const env = envFor(sb, home);
    expect((await cli(['-X', 'POST', '-d', '{"query":"x"}', `${sb.vendorUrl}/search`], env)).code).toBe(0);
    const apiKey = sb.vendor.keys.get(sb.principal)!.apiKey;
    const listing = await cli(['keys'], env);
    expect(listing.stdout.toString()).toContain(`${apiKey.slice(0, 4)}…${apiKey.slice(-4)}`);
    expect(listing.stdout.toString()).not.toContain(apiKey);
    const json = JSON.parse((await cli(['keys', '--json'], env)).stdout.toString());
    expect(json[0]).toMatchObject({ provider: 'exa', principal: sb.principal, purchases: 1 });
    expect(JSON.stringify(json)).not.toContain(apiKey);
  });

  it('reconcile reports an injected gap and exits 1', async () => {
    const sb = await sandbox();
    const env = envFor(sb);
    await cli([`${sb.sellerUrl}/metered`], env);
    expect((await cli(['reconcile'], env)).code).toBe(0);
    const injected = sb.world.injectCharge(sb.delegationId, 250);
    const run = await cli(['reconcile'], env);
    expect(run.code).toBe(1);
    expect(run.stdout.toString()).toContain(`charge the ledger did not know: ${injected.providerTransactionId} $2.50`);
  });

  it('delegations and cards come from the backend', async () => {
    const sb = await sandbox();
    const env = envFor(sb);
    expect((await cli(['delegations'], env)).stdout.toString()).toContain(sb.delegationId);
    expect(JSON.parse((await cli(['cards', '--json'], env)).stdout.toString())[0].id).toBe(sb.paymentMethodId);
  });

  it('sandbox starts, prints its environment, and stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI, 'sandbox'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ctrl-C')) resolve();
    }));
    const seller = out.match(/PAYING_FETCH_SELLER_URL='([^']+)'/)?.[1];
    // Its own state folder: a user who pastes the export lines never writes into ~/.paying-fetch.
    expect(out).toMatch(/^export PAYING_FETCH_HOME='[^']*paying-fetch-sandbox-[^']*'$/m);
    expect((await fetch(`${seller}/free`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).toContain('sandbox stopped');
  });

  it('every command has --help with examples', async () => {
    for (const command of ['fetch', 'sandbox', 'demo', 'budget', 'receipts', 'keys', 'delegations', 'cards', 'reconcile']) {
      const run = await cli([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout.toString()).toContain('Example');
    }
  });
});

describe('spend insight from the command', () => {
  it('spend --by agent --json, balance --json and report --html', async () => {
    const sb = await sandbox();
    const home = join(tempHome(), 'state');
    const env = envFor(sb, home);
    await cli([`${sb.sellerUrl}/metered`], env);
    const spend = JSON.parse((await cli(['spend', '--by', 'origin', '--json'], env)).stdout.toString());
    expect(spend).toMatchObject({ groupBy: 'origin', totalCents: 100, rows: [{ key: sb.sellerUrl, calls: 1, chargedCents: 100 }] });
    const csvOut = (await cli(['spend', '--by', 'day', '--csv'], env)).stdout.toString();
    expect(csvOut.split('\n')[0]).toBe('key,calls,chargedCents,unpricedCalls,millicentsPerCall,outlier');
    const balance = JSON.parse((await cli(['balance', '--json'], env)).stdout.toString());
    expect(balance.delegations[0]).toMatchObject({ delegationId: sb.delegationId, amountSpentCents: 100 });
    const file = join(tempHome(), 'out.html');
    expect((await cli(['report', '--html', file], env)).code).toBe(0);
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(file, 'utf8')).toContain('data-chart');
  });
});
