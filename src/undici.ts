// paying-fetch/undici: the opt-in transport over undici's own fetch and keep-alive pool. Node only.
// createPayingFetch({ fetch: undiciTransport() }): faster on some Nodes (BENCHMARKS.md), but its
// responses are undici's classes, not the platform's Response.
export { undiciTransport, type UndiciTransportOptions } from './util/undici-transport.js';
