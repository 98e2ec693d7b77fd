import type { Emitter } from '../fetch/events.js';
import { EVENT_NAMES } from '../fetch/events.js';

interface ChannelLike {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

/**
 * Publishes every event on `node:diagnostics_channel` as `paying-fetch:<event>` (the channels
 * Node's own tracing uses), where the runtime has them. Costs nothing while nobody subscribes.
 */
export function attachDiagnostics(events: Emitter): void {
  const getBuiltin = (globalThis.process as { getBuiltinModule?: (id: string) => unknown } | undefined)?.getBuiltinModule;
  const dc = getBuiltin?.('node:diagnostics_channel') as { channel(name: string): ChannelLike } | undefined;
  if (!dc) return;
  for (const name of EVENT_NAMES) {
    const channel = dc.channel(`paying-fetch:${name}`);
    events.tap(name, (event) => channel.publish(event), () => channel.hasSubscribers);
  }
}
