import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/**
 * A Lua script run by its SHA (EVALSHA), loaded with EVAL the first time a server says NOSCRIPT.
 * Not ioredis's defineCommand: under `enableAutoPipelining` (or any pipeline) it sends the whole
 * source with every call, since it remembers loaded scripts per socket and a pipeline is not one.
 * The ledger's scripts are 8 KB: that was a quarter of the client's CPU per reservation.
 */
export class RedisScript {
  readonly #lua: string;
  readonly #keys: number;
  #sha: string | undefined;

  constructor(lua: string, numberOfKeys: number) {
    this.#lua = lua;
    this.#keys = numberOfKeys;
  }

  async run<T>(redis: Redis | Cluster, args: Array<string | number>): Promise<T> {
    this.#sha ??= createHash('sha1').update(this.#lua).digest('hex');
    try {
      return (await redis.evalsha(this.#sha, this.#keys, ...args)) as T;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return (await redis.eval(this.#lua, this.#keys, ...args)) as T; // loads it: EVALSHA works from now on
    }
  }
}
