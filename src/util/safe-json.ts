const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * JSON.parse that drops keys able to pollute prototypes. Returns `undefined` for invalid JSON,
 * so callers turn it into their own typed error.
 */
export function safeJsonParse(text: string): unknown {
  try {
    return JSON.parse(text, (key, value: unknown) => (FORBIDDEN_KEYS.has(key) ? undefined : value));
  } catch {
    return undefined;
  }
}
