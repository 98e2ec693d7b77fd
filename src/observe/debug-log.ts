import type { Emitter, PayingFetchEvents } from '../fetch/events.js';
import { EVENT_NAMES } from '../fetch/events.js';

/** Any pino-, winston- or console-like logger: `debug(object, message)` or `debug(message)`. */
export interface LoggerLike {
  debug(...args: unknown[]): void;
}

/** Whether NODE_DEBUG (or DEBUG) names paying-fetch, as Node's util.debuglog reads it. */
export function debugEnabled(env: Record<string, string | undefined> | undefined = globalThis.process?.env): boolean {
  const names = `${env?.NODE_DEBUG ?? ''},${env?.DEBUG ?? ''}`.toLowerCase().split(/[\s,]+/);
  return names.some((n) => n === 'paying-fetch' || n === 'paying-fetch:*' || n === '*');
}

/**
 * One line per step (challenge read, entry chosen, reserve, mint, retry, replay, settle, purchase),
 * to `logger.debug` or, with NODE_DEBUG=paying-fetch, to stderr as util.debuglog writes it. Built
 * from events only: no event carries a secret (tokens appear as `tokenHash`).
 */
export function attachDebugLog(events: Emitter, logger: LoggerLike | undefined): void {
  const toStderr = !logger && debugEnabled();
  if (!logger && !toStderr) return;
  const pid = globalThis.process?.pid ?? 0;
  for (const name of EVENT_NAMES) {
    events.on(name, (event: PayingFetchEvents[typeof name]) => {
      const line = `${name} ${describe(event as unknown as Record<string, unknown>)}`;
      if (logger) logger.debug({ event: name, ...plain(event as unknown as Record<string, unknown>) }, `paying-fetch ${line}`);
      else console.error(`PAYING-FETCH ${pid}: ${line}`);
    });
  }
}

/** The event's facts with errors reduced to name and code: a logger would print a raw error's whole message and stack. */
function plain(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) out[key] = value instanceof Error ? { name: value.name, code: (value as { code?: unknown }).code } : value;
  return out;
}

/** `key=value` pairs of an event's plain facts (objects and errors summarised, never expanded). */
function describe(event: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(event)) {
    if (value === undefined) continue;
    if (value instanceof Error) parts.push(`${key}=${value.name}`);
    else if (typeof value === 'object' && value !== null) parts.push(`${key}=${JSON.stringify(value).slice(0, 200)}`);
    else parts.push(`${key}=${String(value)}`);
  }
  return parts.join(' ');
}
