// Pure helpers for the benchmark's numbers.

/** Nearest-rank percentile of an ascending-sorted array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function summarize(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length ? (sorted[sorted.length - 1] as number) : Number.NaN,
  };
}

/** Records up to `capacity` latencies (ms) with the span count of each request. */
export class LatencyRecorder {
  #ms: Float64Array;
  #spans: Uint32Array;
  #n = 0;
  constructor(capacity: number) {
    this.#ms = new Float64Array(capacity);
    this.#spans = new Uint32Array(capacity);
  }
  add(ms: number, spans: number): void {
    if (this.#n >= this.#ms.length) return;
    this.#ms[this.#n] = ms;
    this.#spans[this.#n++] = spans;
  }
  reset(): void { this.#n = 0; }
  /** Overall summary plus one for small (<= splitAt spans) and one for large requests. */
  summary(splitAt: number): { all: LatencySummary; small: LatencySummary; large: LatencySummary } {
    const all = this.#ms.subarray(0, this.#n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < this.#n; i++) ((this.#spans[i] as number) <= splitAt ? small : large).push(all[i] as number);
    return { all: summarize(all), small: summarize(small), large: summarize(large) };
  }
}

export function ratio(ours: number, theirs: number): number {
  return theirs > 0 && Number.isFinite(ours) && Number.isFinite(theirs) ? ours / theirs : Number.NaN;
}
