// Two backoff policies, both pure apart from the injected random source:
// - ItemBackoff: per-key exponential delay for failed reconciles (controller-runtime: 5ms..1000s).
// - JitteredBackoff: delay between watch restarts (kube-rs watcher: 0.8s..30s with jitter),
//   reset when the last failure is older than a quiet period so a long healthy run starts small again.

export class ItemBackoff {
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #failures = new Map<string, number>();

  constructor(baseMs = 5, maxMs = 1_000_000) {
    this.#baseMs = baseMs;
    this.#maxMs = maxMs;
  }

  /** Delay before retrying `key`; each call counts one more failure. */
  when(key: string): number {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    // 2^n overflows to Infinity long after the cap is reached, which Math.min handles.
    return Math.min(this.#maxMs, this.#baseMs * 2 ** n);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }
}

export interface JitteredBackoffOptions {
  minMs?: number;
  maxMs?: number;
  /** Fraction of the delay added at random, in [0, jitter). */
  jitter?: number;
  /** A failure this long after the previous one starts again from minMs. */
  resetAfterMs?: number;
  random?: () => number;
}

export class JitteredBackoff {
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #jitter: number;
  readonly #resetAfterMs: number;
  readonly #random: () => number;
  #attempt = 0;
  #lastFailureAt: number | undefined;

  constructor(opts: JitteredBackoffOptions = {}) {
    this.#minMs = opts.minMs ?? 800;
    this.#maxMs = opts.maxMs ?? 30_000;
    this.#jitter = opts.jitter ?? 0.25;
    this.#resetAfterMs = opts.resetAfterMs ?? 120_000;
    this.#random = opts.random ?? Math.random;
  }

  /** Delay before the next attempt after a failure observed at `now`. */
  next(now: number): number {
    if (this.#lastFailureAt !== undefined && now - this.#lastFailureAt >= this.#resetAfterMs) this.#attempt = 0;
    this.#lastFailureAt = now;
    const base = Math.min(this.#maxMs, this.#minMs * 2 ** this.#attempt);
    this.#attempt++;
    return Math.min(this.#maxMs, base * (1 + this.#jitter * this.#random()));
  }

  reset(): void {
    this.#attempt = 0;
    this.#lastFailureAt = undefined;
  }
}
