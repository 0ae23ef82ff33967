// The token bucket of Go's golang.org/x/time/rate (v0.16.0) as upstream's rate_limiting policy uses it:
// `AllowN(now, n)` takes n tokens when the bucket holds them, refilled at `limit` per second up to `burst`, and the
// bucket starts full. Time is the caller's (epoch ms from the collector's clock).
export class TokenBucket {
  readonly #limit: number;
  readonly #burst: number;
  #tokens = 0;
  /** When tokens were last taken; -Infinity (Go's zero time) fills the bucket on first use. */
  #last = -Infinity;

  constructor(limit: number, burst: number) {
    this.#limit = limit;
    this.#burst = burst;
  }

  allow(now: number, n: number): boolean {
    const last = now < this.#last ? now : this.#last;
    let tokens = this.#tokens + this.#tokensFor(now - last);
    if (tokens > this.#burst) tokens = this.#burst;
    tokens -= n;
    // Go waits (tokens owed / limit) seconds, truncated to whole nanoseconds; AllowN allows no wait.
    const waitNs = tokens >= 0 ? 0 : this.#limit <= 0 ? Infinity : Math.trunc((-tokens / this.#limit) * 1e9);
    if (n > this.#burst || waitNs > 0) return false;
    this.#last = now;
    this.#tokens = tokens;
    return true;
  }

  /** Go's tokensFromDuration: the elapsed time in seconds times the limit. */
  #tokensFor(elapsedMs: number): number {
    if (this.#limit <= 0) return 0;
    if (elapsedMs === Infinity) return Infinity;
    return (Math.trunc(elapsedMs / 1000) + ((elapsedMs % 1000) * 1e6) / 1e9) * this.#limit;
  }
}
