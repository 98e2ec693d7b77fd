import { UsageError } from './usage-error.js';

export const SINCE_FORMATS = '24h, 30m, 7d, today, yesterday, or an ISO date/time (2026-11-01, 2026-11-01T09:00Z)';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`: a relative age (24h, 7d), today / yesterday (local midnight), or an ISO 8601 date. */
export function parseSince(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim().toLowerCase();
  const age = /^(\d{1,6})\s*([mhdw])$/.exec(text);
  if (age) return now - Number(age[1]) * UNIT_MS[age[2]!]!;
  if (text === 'today' || text === 'yesterday') {
    const midnight = new Date(now);
    midnight.setHours(0, 0, 0, 0);
    return midnight.getTime() - (text === 'yesterday' ? UNIT_MS.d! : 0);
  }
  // Only ISO shapes: Date.parse accepts much else, differently per engine.
  if (/^\d{4}-\d{2}-\d{2}([t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})?)?$/.test(text)) {
    const at = Date.parse(value.trim().replace(' ', 'T'));
    if (!Number.isNaN(at)) return at;
  }
  throw new UsageError(`--since ${value} is not a time I read; use ${SINCE_FORMATS}`);
}
