import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// `npm test` builds first: these check what users install, through the package's own exports.
const run = (args: string[]) => execFileSync(process.execPath, args, { encoding: 'utf8', cwd: process.cwd() });

const script = (load: string) => `
  ${load}
  const sb = await createSandbox();
  const pay = createPayingFetch({ nevermined: { apiKey: sb.apiKey, backendUrl: sb.backendUrl, delegationId: sb.delegationId } });
  const res = await pay(sb.sellerUrl + '/weather');
  console.log(JSON.stringify({ status: res.status, mints: sb.stats().mints, receipt: getReceipt(res)?.success }));
  await sb.close();
`;

describe('the published package', () => {
  it('pays through the ESM build (import)', () => {
    const out = run(['--input-type=module', '-e', script(`
      const { createPayingFetch, getReceipt } = await import('paying-fetch');
      const { createSandbox } = await import('paying-fetch/sandbox');`)]);
    expect(JSON.parse(out)).toEqual({ status: 200, mints: 1, receipt: true });
  });

  it('pays through the CJS build (require)', () => {
    const out = run(['-e', `(async () => { ${script(`
      const { createPayingFetch, getReceipt } = require('paying-fetch');
      const { createSandbox } = require('paying-fetch/sandbox');`)} })()`]);
    expect(JSON.parse(out)).toEqual({ status: 200, mints: 1, receipt: true });
  });

  it('declares Node >=20.19 and @nevermined-io/payments as an optional peer', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.engines.node).toBe('>=20.19');
    expect(pkg.peerDependenciesMeta['@nevermined-io/payments'].optional).toBe(true);
    expect(pkg.exports['.'].require.types).toBe('./dist/index.d.cts');
  });
});
