/** Runs one promise per key at a time: concurrent callers with the same key share its result. */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>();

  /** `shared` is true for callers that joined a flight another caller started. */
  async run(key: string, work: () => Promise<T>): Promise<{ value: T; shared: boolean }> {
    const running = this.#inFlight.get(key);
    if (running) return { value: await running, shared: true };
    const started = work().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, started);
    return { value: await started, shared: false };
  }
}
