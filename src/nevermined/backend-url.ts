import { ConfigurationError } from '../errors/configuration-error.js';

const BACKENDS: Record<string, string> = {
  sandbox: 'https://api.sandbox.nevermined.app',
  live: 'https://api.live.nevermined.app',
  'sandbox-staging': 'https://api.sandbox.nevermined.dev',
  'live-staging': 'https://api.live.nevermined.dev',
};

/** Splits `<prefix>:<jwt>`; the prefix is one of Nevermined's environments. */
export function splitApiKey(apiKey: string): { prefix: string | undefined; jwt: string } {
  const colon = apiKey.indexOf(':');
  if (colon > 0 && colon < 32) return { prefix: apiKey.slice(0, colon), jwt: apiKey.slice(colon + 1) };
  return { prefix: undefined, jwt: apiKey };
}

/** The backend URL: explicit option, then NVM_BACKEND_URL, then the key's prefix. */
export function resolveBackendUrl(apiKey: string, explicit?: string): string {
  const chosen = explicit ?? globalThis.process?.env?.NVM_BACKEND_URL;
  if (chosen) return chosen.replace(/\/+$/, '');
  const { prefix } = splitApiKey(apiKey);
  const url = prefix ? BACKENDS[prefix] : undefined;
  if (!url) {
    throw new ConfigurationError(
      'Cannot tell the Nevermined backend from the API key prefix; expected sandbox:, live:, ' +
        'sandbox-staging: or live-staging:, or set backendUrl / NVM_BACKEND_URL',
    );
  }
  return url;
}
