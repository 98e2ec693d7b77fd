import type { PayingFetch } from '../fetch/create-paying-fetch.js';

/** A step the library reported during one call, in words. */
type Step = { at: number; text: string };

export interface Progress {
  /** Retries the library reported (backend calls, purchase posts), for the summary. */
  readonly retries: number;
  stop(): void;
}

const plan = (id: string | undefined) => (id ? ` plan …${id.slice(-6)}` : '');

/**
 * Progress on stderr while a call is slow: quiet for the first `afterMs`, then the steps so far
 * and every later one, one line each. Only on a terminal: logs and pipes get the summary alone.
 */
export function watchProgress(pay: PayingFetch, stream: NodeJS.WriteStream, afterMs = 1_000): Progress {
  const started = Date.now();
  const steps: Step[] = [];
  let live = false;
  let retries = 0;
  const show = (s: Step) => stream.write(`paying-fetch: ${((s.at - started) / 1000).toFixed(1)}s ${s.text}\n`);
  const step = (text: string) => {
    const s = { at: Date.now(), text };
    if (live) show(s);
    else steps.push(s);
  };
  const unsubscribe = [
    pay.on('payment', (e) => step(`sent ${e.method} with a ${e.preemptive ? 'cached ' : ''}token${plan(e.planId)}`)),
    pay.on('mint', (e) => step(`minted a token${plan(e.planId)} (${e.reason})`)),
    pay.on('sign', (e) => step(`signed a ${e.scheme} payment on ${e.network}`)),
    pay.on('purchase', (e) => step(`bought a ${e.provider} pack (${e.reason})`)),
    pay.on('receipt', (e) => step(`answer ${e.status}${e.receipt?.transaction ? ', settled' : ''}`)),
    pay.on('blocked', (e) => step(`not paid: ${e.reason}`)),
    pay.on('retry', (e) => {
      retries += 1;
      step(`retrying ${e.action} (attempt ${e.attempt + 1} in ${e.delayMs} ms): ${e.reason}`);
    }),
  ];
  const timer = stream.isTTY
    ? setTimeout(() => {
        live = true;
        stream.write(`paying-fetch: still working after ${(afterMs / 1000).toFixed(0)}s…\n`);
        for (const s of steps.splice(0)) show(s);
      }, afterMs)
    : undefined;
  timer?.unref();
  return {
    get retries() {
      return retries;
    },
    stop() {
      clearTimeout(timer);
      for (const off of unsubscribe) off();
    },
  };
}
