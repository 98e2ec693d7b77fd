import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fstatSync } from 'node:fs';
import { BudgetExceededError } from '../../errors/budget-exceeded-error.js';
import { createPayingFetch, type PayingFetch } from '../../fetch/create-paying-fetch.js';
import type { BlockedEvent } from '../../fetch/events.js';
import { getReceipt } from '../../fetch/receipts.js';
import { leftToSpend, withCallCeiling } from '../../insight/inspect.js';
import { blockedHint } from '../blocked-hint.js';
import { loadConfig, payingFetchOptions, type CliConfig, type GlobalFlags } from '../config.js';
import { EXIT } from '../exit-codes.js';
import { FlagBudgetExceededError } from '../flag-budget-exceeded-error.js';
import { watchProgress } from '../progress.js';
import { parseHeaders, readData } from '../request-input.js';
import { chargedCents, paymentJson, summaryLine, type CallFacts } from '../summary.js';

export interface FetchFlags {
  request?: string;
  header: string[];
  data?: string;
  dataBinary?: string;
  budgetCents?: number;
  json?: boolean;
}

/** The paying fetch for this invocation; with --budget-cents, under a ceiling of that many more cents. */
async function payingFetchFor(flags: FetchFlags, global: GlobalFlags, config: CliConfig): Promise<{ pay: PayingFetch; ceiling?: { cents: number; binding: boolean } }> {
  const options = payingFetchOptions(global, config);
  if (flags.budgetCents === undefined) return { pay: createPayingFetch(options) };
  const view = await createPayingFetch(options).budget();
  const { policy, ceilingCents, binding } = withCallCeiling(config.policy, view, flags.budgetCents);
  return { pay: createPayingFetch({ ...options, policy }), ceiling: { cents: ceilingCents, binding } };
}

/** Both streams on one terminal: a body without a final newline would swallow the summary's start. */
function sameTerminal(): boolean {
  if (!process.stdout.isTTY || !process.stderr.isTTY) return false;
  return fstatSync(1).rdev === fstatSync(2).rdev;
}

/** Streams the body to stdout untouched; returns its last byte (or undefined when empty). */
async function streamBody(res: Response): Promise<number | undefined> {
  let last: number | undefined;
  if (!res.body) return undefined;
  await pipeline(Readable.fromWeb(res.body as never), async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      if (chunk.length) last = chunk[chunk.length - 1];
      yield chunk;
    }
  }, process.stdout);
  return last;
}

/** `paying-fetch [fetch] <url>`: the call, paid within the policy; body to stdout, summary to stderr. */
export async function fetchCommand(url: string, flags: FetchFlags, global: GlobalFlags): Promise<number> {
  const config = loadConfig(global);
  const body = flags.dataBinary !== undefined ? readData(flags.dataBinary, true) : flags.data !== undefined ? readData(flags.data, false) : undefined;
  const method = (flags.request ?? (body === undefined ? 'GET' : 'POST')).toUpperCase();
  const { pay, ceiling } = await payingFetchFor(flags, global, config);
  const counts = { minted: 0, purchases: 0 };
  let blocked: BlockedEvent | undefined;
  pay.on('mint', () => (counts.minted += 1));
  pay.on('purchase', () => (counts.purchases += 1));
  pay.on('blocked', (e) => (blocked = e));
  const progress = watchProgress(pay, process.stderr);
  const started = Date.now();
  let res: Response;
  try {
    res = await pay(url, { method, headers: parseHeaders(flags.header), ...(body === undefined ? {} : { body }) });
  } catch (error) {
    if (ceiling?.binding && error instanceof BudgetExceededError && error.limit === 'budget.lifetime' && error.limitCents === ceiling.cents) {
      throw new FlagBudgetExceededError(error, flags.budgetCents!);
    }
    throw error;
  } finally {
    progress.stop();
  }
  const bytes = flags.json ? new Uint8Array(await res.arrayBuffer()) : undefined;
  const last = flags.json ? undefined : await streamBody(res);
  const records = await pay.receipts({ since: started });
  const facts: CallFacts = {
    status: res.status, statusText: res.statusText, ...counts, retries: progress.retries, records, receipt: getReceipt(res),
    blocked: res.status === 402 ? blocked : undefined,
    hint: res.status === 402 && blocked ? blockedHint(blocked, new URL(url).origin, config.providers) : undefined,
    left: undefined,
  };
  const tightest = leftToSpend(await pay.budget());
  const underFlag = flags.budgetCents === undefined ? undefined : Math.max(0, flags.budgetCents - chargedCents(facts));
  facts.left = underFlag !== undefined && (!tightest || underFlag <= tightest.leftCents)
    ? { cents: underFlag, of: `of --budget-cents ${flags.budgetCents}` }
    : tightest && { cents: tightest.leftCents, of: `in budget.${tightest.window}` };
  if (flags.json) writeJson(res, url, bytes!, facts);
  else process.stderr.write((last !== undefined && last !== 0x0a && sameTerminal() ? '\n' : '') + summaryLine(facts));
  return res.status >= 400 ? EXIT.HTTP_ERROR : EXIT.OK;
}

function writeJson(res: Response, url: string, bytes: Uint8Array, facts: CallFacts): void {
  const text = Buffer.from(bytes).toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(Buffer.from(bytes));
  process.stdout.write(JSON.stringify({
    status: res.status,
    url: res.url || url,
    headers: Object.fromEntries(res.headers),
    body: isText ? text : Buffer.from(bytes).toString('base64'),
    bodyEncoding: isText ? 'utf8' : 'base64',
    payment: paymentJson(facts),
  }) + '\n');
}
