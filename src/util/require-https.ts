import { ConfigurationError } from '../errors/configuration-error.js';

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Keys and tokens only travel over HTTPS, except to this machine (the sandbox, tests). Plain HTTP
 * elsewhere needs `allowInsecureHttp: true`, said on purpose.
 */
export function assertSecureUrl(url: string, what: string, allowInsecureHttp = false): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigurationError(`${what} is not a valid URL: ${url}`);
  }
  if (parsed.protocol === 'https:') return;
  if (parsed.protocol === 'http:' && (isLoopback(parsed.hostname) || allowInsecureHttp)) return;
  throw new ConfigurationError(`${what} must use https (${parsed.origin}); plain http is only allowed on loopback unless allowInsecureHttp is set`);
}
