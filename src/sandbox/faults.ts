/** A failure the sandbox injects into its next answer on one operation. */
export type Fault =
  | { kind: 'status'; status: number; code?: string; message?: string; headers?: Record<string, string>; body?: unknown }
  /** Destroys the connection without an answer (before or after doing the work). */
  | { kind: 'reset'; after?: 'work' }
  /** Waits before answering (`after: 'work'`: once the charge is done). */
  | { kind: 'delay'; ms: number; after?: 'work' };

export type FaultTarget = 'mint' | 'backend' | 'seller' | 'purchase' | 'search';

/** Per-operation queues of faults: each answer takes the next one, if any. */
export class FaultQueue {
  readonly #queues = new Map<FaultTarget, Fault[]>();

  inject(target: FaultTarget, fault: Fault, times = 1): void {
    const queue = this.#queues.get(target) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(fault);
    this.#queues.set(target, queue);
  }

  take(target: FaultTarget): Fault | undefined {
    return this.#queues.get(target)?.shift();
  }

  /** Returns a fault that did not apply (e.g. a drop after work, on a request that did no work). */
  putBack(target: FaultTarget, fault: Fault): void {
    this.#queues.set(target, [fault, ...(this.#queues.get(target) ?? [])]);
  }

  clear(): void {
    this.#queues.clear();
  }
}
