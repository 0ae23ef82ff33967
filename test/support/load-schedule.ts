// Rate schedules for the load generator (pure): phases that ramp linearly from one rate to another or
// hold one, with optional multiplicative noise that changes once per second and is reproducible from a
// seed (a "noisy plateau" must be the same noise in every run).

export interface Phase {
  /** Short name shown by the demo and used by tests to find when a level was reached. */
  label: string;
  seconds: number;
  /** Spans per second at the start of the phase. */
  from: number;
  /** Spans per second at its end (default: `from`, a plateau). */
  to?: number;
  /** Fractional noise amplitude: each second's rate is multiplied by a factor in [1 - noise, 1 + noise]. */
  noise?: number;
}

export interface ScheduledRate {
  rate: number;
  phase: number;
  label: string;
}

export function scheduleSeconds(phases: readonly Phase[]): number {
  return phases.reduce((sum, p) => sum + p.seconds, 0);
}

/** Start time (s) of each phase. */
export function phaseStarts(phases: readonly Phase[]): number[] {
  const starts: number[] = [];
  let t = 0;
  for (const p of phases) {
    starts.push(t);
    t += p.seconds;
  }
  return starts;
}

/** The rate at `t` seconds into the schedule, or undefined once it is over. */
export function rateAt(phases: readonly Phase[], t: number, seed = 1): ScheduledRate | undefined {
  if (t < 0) return undefined;
  let start = 0;
  for (const [index, p] of phases.entries()) {
    if (t < start + p.seconds) {
      const to = p.to ?? p.from;
      const base = p.from + ((to - p.from) * (t - start)) / p.seconds;
      const noise = p.noise ? 1 + p.noise * (2 * unitNoise(seed, Math.floor(t)) - 1) : 1;
      return { rate: Math.max(0, base * noise), phase: index, label: p.label };
    }
    start += p.seconds;
  }
  return undefined;
}

/** A deterministic value in [0, 1) for (seed, second): a 32-bit integer hash (mulberry32 step). */
export function unitNoise(seed: number, second: number): number {
  let x = (seed * 0x9e3779b1 + second * 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 15), x | 1);
  x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
}

/** How many whole spans are due in a tick, carrying the fraction to the next one. */
export function spansDue(owed: number, rate: number, seconds: number): { count: number; owed: number } {
  const total = owed + rate * seconds;
  const count = Math.floor(total);
  return { count, owed: total - count };
}

/** `count` split as evenly as possible over `targets` slots, the remainder going to the slots from `offset` on. */
export function spread(count: number, targets: number, offset: number): number[] {
  if (targets <= 0) return [];
  const base = Math.floor(count / targets);
  const extra = count % targets;
  return Array.from({ length: targets }, (_, i) => base + (((i - offset) % targets + targets) % targets < extra ? 1 : 0));
}
