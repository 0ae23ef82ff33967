// When the tail_sampling processor decides a trace, as upstream's id batcher: a ring of `size` batches of trace
// keys plus the batch filling now. Each tick takes the oldest batch for deciding and puts the current one in its
// place, so a trace first seen between two ticks is decided `size` ticks after the next one. Once stopped
// (shutdown), ticks hand out the remaining batches, the current one last.
export class DecisionBatches {
  #batches: Set<string>[];
  #current = new Set<string>();
  #take = 0;
  /** Ticks left once stopped (the ring's batches, then the current one); Infinity while running. */
  #left = Infinity;

  constructor(size: number) {
    this.#batches = Array.from({ length: Math.max(1, size) }, () => new Set<string>());
  }

  /** Adds a key to the current batch; returns that batch's number (the tick count at which it falls due). */
  add(key: string): number {
    this.#current.add(key);
    return this.#take + this.#batches.length;
  }

  /**
   * Moves a key from batch `from` to the batch due `ticks` ticks from now, if that is earlier (upstream's
   * MoveToEarlierBatch, for decision_wait_after_root_received); returns the key's batch number.
   */
  moveEarlier(key: string, from: number, ticks: number): number {
    const proposed = this.#take + ticks;
    if (proposed >= from) return from;
    const size = this.#batches.length;
    if (from === this.#take + size) this.#current.delete(key);
    else this.#batches[from % size]!.delete(key);
    this.#batches[proposed % size]!.add(key);
    return proposed;
  }

  /** Removes a key wherever it waits (a trace decided early). */
  remove(key: string): void {
    if (this.#current.delete(key)) return;
    for (const batch of this.#batches) if (batch.delete(key)) return;
  }

  stop(): void {
    if (this.#left === Infinity) this.#left = this.#batches.length + 1;
  }

  /** The keys due now, and whether more ticks will hand out more (always, until stopped). */
  tick(): { due: Set<string>; more: boolean } {
    if (this.#left === 0) return { due: new Set(), more: false };
    this.#left--;
    if (this.#left === 0) {
      const due = this.#current;
      this.#current = new Set();
      return { due, more: false };
    }
    const index = this.#take % this.#batches.length;
    const due = this.#batches[index]!;
    this.#batches[index] = this.#left === Infinity ? this.#current : new Set();
    if (this.#left === Infinity) this.#current = new Set();
    this.#take++;
    return { due, more: true };
  }
}

/** Upstream's decision cache: an LRU of trace decisions keyed by the trace id's last 8 bytes; size 0 keeps none. */
export class DecisionCache {
  readonly #size: number;
  readonly #keys = new Set<string>();

  constructor(size: number) {
    this.#size = Math.max(0, size);
  }

  /** Whether the trace is cached (and, if so, now the most recently used). */
  has(traceKey: string): boolean {
    if (this.#size === 0) return false;
    const key = traceKey.slice(8);
    if (!this.#keys.delete(key)) return false;
    this.#keys.add(key);
    return true;
  }

  put(traceKey: string): void {
    if (this.#size === 0) return;
    const key = traceKey.slice(8);
    this.#keys.delete(key);
    this.#keys.add(key);
    if (this.#keys.size > this.#size) this.#keys.delete(this.#keys.values().next().value!);
  }
}
