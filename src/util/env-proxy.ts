import { setDispatcherLookup } from './transport.js';

// Node's own fetch ignores HTTP(S)_PROXY (before Node 24's NODE_USE_ENV_PROXY): when one is set,
// undici's EnvHttpProxyAgent is handed to it as its dispatcher. undici is loaded only then, so an
// agent without a proxy never pays for importing it. Node only: not part of the portable entry.
setDispatcherLookup(() => {
  const env = process.env;
  const proxied = env.HTTPS_PROXY || env.HTTP_PROXY || env.https_proxy || env.http_proxy;
  if (!proxied) return undefined;
  return import('undici').then(({ EnvHttpProxyAgent }) => new EnvHttpProxyAgent());
});
