import { createServer } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandbox } from '../helpers.js';
import { tempHome } from '../store/stores.js';
import { cli, cliOnTerminal, envFor } from './run.js';

function homeWith(config: unknown): string {
  const home = join(tempHome(), 'state');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  return home;
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('usage, version and errors (issue 18: 9, 10, 12)', () => {
  it('--version prints the package version', async () => {
    const run = await cli(['--version']);
    expect(run.code).toBe(0);
    expect(run.out.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('a usage error is one line pointing to --help, exit 2', async () => {
    const run = await cli(['budget', '--bogus']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("paying-fetch: unknown option '--bogus' (fix: see paying-fetch --help)\n");
    expect(run.out).toBe('');
  });

  it('with --json an error is one JSON object on stdout, with the same exit code', async () => {
    const run = await cli(['--json', 'https://api.example.com/x'], { PAYING_FETCH_HOME: join(tempHome(), 'state') });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.out);
    expect(out).toEqual({ error: expect.objectContaining({ code: 'CONFIGURATION', message: expect.stringContaining('NVM_API_KEY is not set'), exitCode: 2 }) });
  });

  it('with --json a policy refusal is one JSON object with its facts, exit 3', async () => {
    const sb = await sandbox();
    const run = await cli(['--json', '--budget-cents', '100', `${sb.sellerUrl}/metered`], envFor(sb));
    expect(run.code).toBe(3);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.out).error).toMatchObject({ code: 'BUDGET_EXCEEDED', exitCode: 3, limit: '--budget-cents', requestedCents: 2000, fix: expect.stringContaining('--budget-cents 2000') });
  });

  it('an error never shows the API key, in a line, with -v, or as JSON', async () => {
    const sb = await sandbox();
    const wrongKey = `sandbox:${'x'.repeat(40)}`;
    for (const args of [[], ['-v'], ['--json']]) {
      const run = await cli([...args, `${sb.sellerUrl}/weather`], { ...envFor(sb), NVM_API_KEY: wrongKey });
      expect(run.code, args.join(' ')).toBeGreaterThan(1);
      expect(run.stderr + run.out).not.toContain('x'.repeat(40));
    }
  });

  it('a malformed -H is a usage error that says nothing of NVM_API_KEY', async () => {
    const sb = await sandbox();
    const run = await cli(['-H', 'no-colon-here', `${sb.sellerUrl}/weather`], envFor(sb));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/headers are "Name: value"/);
    expect(run.stderr).not.toMatch(/NVM_API_KEY/);
    expect(sb.stats().sellerRequests).toBe(0);
  });

  it('budget on an empty home needs no key: an empty view, exit 0', async () => {
    const home = join(tempHome(), 'nothing-here');
    const run = await cli(['budget'], { PAYING_FETCH_HOME: home });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`no state yet in ${home}`);
    expect(run.stderr + run.out).not.toMatch(/NVM_API_KEY/);
    expect(run.out).toMatch(/lifetime\s+no limit\s+\$0\.00\s+\$0\.00/);
    expect(existsSync(home)).toBe(false);
  });
});

describe('network failures (issue 18: 7)', () => {
  it('connection refused names the cause and exits 5', async () => {
    const sb = await sandbox();
    const port = await closedPort();
    const run = await cli([`http://127.0.0.1:${port}/x`], envFor(sb));
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/^paying-fetch: network: connection refused.*\(ECONNREFUSED 127\.0\.0\.1:\d+\) \(fix: /);
    const json = JSON.parse((await cli(['--json', `http://127.0.0.1:${port}/x`], envFor(sb))).out);
    expect(json.error).toMatchObject({ code: 'NETWORK', exitCode: 5, network: { code: 'ECONNREFUSED' } });
  });

  it('a host that does not resolve is a DNS failure, exit 5', async () => {
    const sb = await sandbox();
    const run = await cli(['http://no-such-host.invalid/x'], envFor(sb));
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(/DNS.*\((ENOTFOUND|EAI_AGAIN)/);
  });
});

describe('an unpaid 402 (issue 18: 8)', () => {
  it('prints the blocked reason and, for a key vendor nobody configured, how to configure it', async () => {
    const sb = await sandbox();
    const args = ['-X', 'POST', '-d', '{"query":"x"}', `${sb.vendorUrl}/search`];
    const run = await cli(args, envFor(sb));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^paying-fetch: 402 Payment Required · not paid: unknown-scheme \(no payable scheme among: exact@eip155:8453\)/);
    expect(run.stderr).toContain(`"providers": [{ "exa": { "apiOrigin": "${sb.vendorUrl}"`);
    const json = JSON.parse((await cli(['--json', ...args], envFor(sb))).out);
    expect(json.payment.blocked).toEqual({ reason: 'unknown-scheme', detail: 'no payable scheme among: exact@eip155:8453' });
    expect(json.payment.hint).toContain('providers');
    expect(sb.stats().purchases).toBe(0);
  });
});

describe('budget views and --budget-cents (issue 18: 6)', () => {
  it('after $2 spent: spent $2, $18 reserved for the delegation, and what is left', async () => {
    const sb = await sandbox();
    const env = envFor(sb, homeWith({ policy: { budget: { perDayCents: 2500 } } }));
    await cli([`${sb.sellerUrl}/metered`], env);
    await cli([`${sb.sellerUrl}/metered`], env);
    const view = JSON.parse((await cli(['budget', '--json'], env)).out);
    expect(view.perDay).toMatchObject({ limitCents: 2500, spentCents: 200, unspentReservedCents: 1800, remainingCents: 500 });
    const text = (await cli(['budget'], env)).out;
    expect(text).toMatch(/spent\s+reserved, not spent\s+left to reserve/);
    expect(text).toMatch(/perDay\s+\$25\.00\s+\$2\.00\s+\$18\.00\s+\$5\.00/);
  });

  it('--budget-cents too small for the delegation refuses with a fix about the flag, not config.json', async () => {
    const sb = await sandbox();
    const run = await cli(['--budget-cents', '100', `${sb.sellerUrl}/metered`], envFor(sb));
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/needs \$20\.00 reserved but --budget-cents allows \$1\.00.*fix: --budget-cents 2000 or more/);
    expect(run.stderr).not.toContain('config.json');
    expect(sb.stats().mints).toBe(0);
  });

  it('--budget-cents 1800 after a $1 call: $17.00 left of it', async () => {
    const sb = await sandbox({ delegationLimitCents: 1800 });
    const run = await cli(['--budget-cents', '1800', `${sb.sellerUrl}/metered`], envFor(sb));
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/charged \$1\.00 · .*\$17\.00 left of --budget-cents 1800\n$/);
  });
});

describe('--since (issue 18: 13)', () => {
  it('accepts 24h, 7d, yesterday and ISO dates, and names the formats when it cannot read one', async () => {
    const sb = await sandbox();
    const env = envFor(sb);
    await cli([`${sb.sellerUrl}/metered`], env);
    for (const since of ['24h', '7d', 'yesterday', '2020-01-01']) {
      const run = await cli(['receipts', '--json', '--since', since], env);
      expect(run.code, since).toBe(0);
      expect(JSON.parse(run.out), since).toHaveLength(1);
    }
    expect(JSON.parse((await cli(['receipts', '--json', '--since', '2999-01-01'], env)).out)).toHaveLength(0);
    const bad = await cli(['spend', '--since', 'last tuesday'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since last tuesday is not a time I read; use 24h, 30m, 7d, today, yesterday, or an ISO date/);
  });
});

describe('demo and sandbox (issue 18: 5, 14)', () => {
  it('the demo runs in a fresh state of its own and exits, even in a home that already spent', async () => {
    const home = join(tempHome(), 'state');
    for (const round of [1, 2]) {
      const run = await cli(['demo'], { PAYING_FETCH_HOME: home }, 60_000);
      expect(run.code, `round ${round}`).toBe(0);
      expect(run.out).toContain('summary');
      expect(run.out).not.toContain('blocked');
    }
    expect(existsSync(join(home, 'state.db'))).toBe(false);
  });
});

describe('on a terminal (issue 18: 11, 15)', () => {
  it('the summary starts on its own line when the body has no final newline', async () => {
    const sb = await sandbox();
    const { code, screen } = await cliOnTerminal([`${sb.sellerUrl}/free`], envFor(sb));
    expect(code).toBe(0);
    expect(screen).toMatch(/"ok":true[^\n]*\}\npaying-fetch: 200 OK/);
  });

  it('a slow call (a mint retried) shows its steps on stderr', async () => {
    const sb = await sandbox();
    sb.faults.inject('mint', { kind: 'status', status: 503, code: 'BCK.X402.0051' }, 3);
    const { code, screen } = await cliOnTerminal([`${sb.sellerUrl}/weather`], envFor(sb));
    expect(code).toBe(0);
    expect(screen).toMatch(/paying-fetch: still working after 1s…\n/);
    expect(screen).toMatch(/paying-fetch: \d+\.\ds minted a token plan …\d{6} \(first\)\n/);
    // Each retry of the mint is a step of its own (the library's retry events).
    expect(screen).toMatch(/retrying mint an access token \(attempt 3 in \d+ ms\)/);
    expect(sb.stats().mints).toBe(1);
  });

  it('piped, the same slow call prints the summary alone', async () => {
    const sb = await sandbox();
    sb.faults.inject('mint', { kind: 'status', status: 503, code: 'BCK.X402.0051' }, 3);
    const run = await cli([`${sb.sellerUrl}/weather`], envFor(sb));
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });
});
