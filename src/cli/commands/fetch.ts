import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigurationError } from '../../errors/configuration-error.js';
import { createPayingFetch } from '../../fetch/create-paying-fetch.js';
import { getReceipt } from '../../fetch/receipts.js';
import { loadConfig, payingFetchOptions, type GlobalFlags } from '../config.js';
import { EXIT } from '../exit-codes.js';
import { dollars } from '../format.js';

export interface FetchFlags {
  request?: string;
  header: string[];
  data?: string;
  dataBinary?: string;
  budgetCents?: number;
  json?: boolean;
}

const MAX_DATA_FILE = 64 * 1024 * 1024;

function readData(value: string, binary: boolean): Uint8Array<ArrayBuffer> | string {
  if (!value.startsWith('@')) return value;
  const file = value.slice(1);
  const bytes = readFileSync(file === '-' ? 0 : file);
  if (bytes.byteLength > MAX_DATA_FILE) throw new ConfigurationError(`${file} is larger than ${MAX_DATA_FILE} bytes`);
  // Like curl: -d strips newlines from a file, --data-binary sends it byte for byte.
  return binary ? (new Uint8Array(bytes) as Uint8Array<ArrayBuffer>) : bytes.toString('utf8').replace(/[\r\n]/g, '');
}

function parseHeaders(lines: string[]): Headers {
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ConfigurationError(`Header "${line}" is not of the form "Name: value"`);
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return headers;
}

/** `paying-fetch [fetch] <url>`: the call, paid within the policy; body to stdout, summary to stderr. */
export async function fetchCommand(url: string, flags: FetchFlags, global: GlobalFlags): Promise<number> {
  const config = loadConfig(global);
  const options = payingFetchOptions(global, config);
  if (flags.budgetCents !== undefined) {
    // A ceiling for this invocation: what is already reserved plus N cents, no more.
    const used = (await createPayingFetch(options).budget()).lifetime;
    const lifetimeCents = used.reservedCents + used.committedCents + flags.budgetCents;
    options.policy = { ...config.policy, budget: { ...config.policy.budget, lifetimeCents: Math.min(lifetimeCents, config.policy.budget?.lifetimeCents ?? lifetimeCents) } };
  }
  const pay = createPayingFetch(options);
  let minted = 0;
  let purchases = 0;
  pay.on('mint', () => (minted += 1));
  pay.on('purchase', () => (purchases += 1));
  const started = Date.now();

  const body = flags.dataBinary !== undefined ? readData(flags.dataBinary, true) : flags.data !== undefined ? readData(flags.data, false) : undefined;
  const method = (flags.request ?? (body === undefined ? 'GET' : 'POST')).toUpperCase();
  const res = await pay(url, { method, headers: parseHeaders(flags.header), ...(body === undefined ? {} : { body }) });

  const bytes = flags.json ? new Uint8Array(await res.arrayBuffer()) : undefined;
  if (!flags.json && res.body) await pipeline(Readable.fromWeb(res.body as never), process.stdout);
  const records = await pay.receipts({ since: started });
  const charged = records.reduce((sum, r) => sum + (r.amountCents ?? 0), 0);
  const budget = await pay.budget();
  const remaining = budget.perDay.remainingCents ?? budget.perHour.remainingCents ?? budget.lifetime.remainingCents;
  const receipt = getReceipt(res);

  if (flags.json) {
    const text = Buffer.from(bytes!).toString('utf8');
    const isText = Buffer.from(text, 'utf8').equals(Buffer.from(bytes!));
    const out = {
      status: res.status,
      url: res.url || url,
      headers: Object.fromEntries(res.headers),
      body: isText ? text : Buffer.from(bytes!).toString('base64'),
      bodyEncoding: isText ? 'utf8' : 'base64',
      payment: {
        minted,
        purchases,
        paid: records.length > 0,
        chargedCents: charged,
        receipt: receipt ?? null,
        receipts: records.map(({ id, path, origin, planId, orderTx, amountCents, outcome, provider }) => ({ id, origin, path, planId, orderTx, amountCents, outcome, provider })),
        budgetRemainingCents: remaining ?? null,
      },
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  } else {
    const parts = [`${res.status} ${res.statusText}`.trim()];
    parts.push(minted ? `minted ${minted} token${minted > 1 ? 's' : ''}` : 'no mint');
    if (purchases) parts.push(`bought ${purchases} pack${purchases > 1 ? 's' : ''}`);
    if (records.length) parts.push(charged ? `charged ${dollars(charged)}` : 'paid from credits');
    if (receipt?.transaction) parts.push(`receipt ${receipt.transaction}`);
    if (remaining !== undefined) parts.push(`budget left ${dollars(remaining)}`);
    process.stderr.write(`paying-fetch: ${parts.join(' · ')}\n`);
  }
  return res.status >= 400 ? EXIT.HTTP_ERROR : EXIT.OK;
}
