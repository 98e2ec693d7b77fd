// Exa search, paid for with a Nevermined card delegation: paying-fetch buys an Exa API key the
// first time, caches it, sends it on every search, and tops it up when its credits run out.
//
//   NVM_API_KEY=live:... NVM_DELEGATION_ID=... npx tsx examples/exa-search.ts "agent payments"
//   npx tsx examples/exa-search.ts --sandbox "agent payments"      (offline, on the built-in sandbox)
//
// Real Exa sells keys for live NVM keys only, $7 a purchase (see wire-facts.md section 6).
import { createPayingFetch, exa } from 'paying-fetch';
import { createSandbox } from 'paying-fetch/sandbox';

const args = process.argv.slice(2);
const useSandbox = args.includes('--sandbox');
const query = args.filter((a) => a !== '--sandbox').join(' ') || 'agent payments';

const sandbox = useSandbox ? await createSandbox() : undefined;
const apiKey = sandbox?.apiKey ?? process.env.NVM_API_KEY;
const delegationId = sandbox?.delegationId ?? process.env.NVM_DELEGATION_ID;
if (!apiKey || !delegationId) {
  console.error('Set NVM_API_KEY and NVM_DELEGATION_ID (live), or pass --sandbox');
  process.exit(2);
}

const provider = sandbox
  ? exa({ purchaseUrl: `${sandbox.vendorUrl}/team-management/nevermined/purchase-key`, apiOrigin: sandbox.vendorUrl })
  : exa();
const apiBase = sandbox ? sandbox.vendorUrl : 'https://api.exa.ai';

const pay = createPayingFetch({
  nevermined: { apiKey, delegationId, ...(sandbox ? { backendUrl: sandbox.backendUrl } : {}) },
  providers: [provider],
  policy: { autoTopUp: { maxPerDay: 2 }, budget: { perDayCents: 2_000 } },
});
pay.on('purchase', (p) => console.error(`bought an ${p.provider} pack (${p.status}), $${((p.amountCents ?? 0) / 100).toFixed(2)}`));

const res = await pay(`${apiBase}/search`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ query, numResults: 3 }),
});
console.log(res.status, await res.text());
console.error('keys:', await pay.keys());
await sandbox?.close();
