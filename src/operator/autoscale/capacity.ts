// Learned capacity (pure): what one replica carries, from the collectors' own CPU time and item rates.
//
// Each measured interval of each pod is a sample: cores used, and spans, metric points and log records accepted
// per second. Over a sliding window the fleet's samples are fitted by least squares to
//     cores = baseline + cost[spans] x spans/s + cost[points] x points/s + cost[records] x records/s
// (one cost per item in CPU-seconds, and an idle baseline per process), so mixed signals are told apart as long as
// their mix varies between pods or over time. Then one replica carries, at its usable cores,
//     capacity[item] = (cores - baseline) / cost[item]          (that item alone)
// and a mixed load needs  sum over items of cost[item] x demand[item] / (cores x targetUtilization - baseline)
// replicas (decision.ts).
//
// - Warm-up: samples of processes younger than warmupSeconds (start-up work, JIT) are left out, as are intervals
//   with a counter reset.
// - Noise: intervals are averages over an evaluation period, and the fit is over the window's many samples.
// - Saturation: accepted items and the CPU they took are what a sample holds, whether or not the pod also refused
//   some; refused items are demand for the decision, not cost.
// - Evidence: an item's cost counts as learned once it appears in minSamples samples and accounts for at least
//   minShare of the CPU fitted; before that (and for items never seen) the spec's capacityPerReplica stands in.
//   The fit leans on the baseline only as far as the data spreads: with a single load level the baseline is
//   pulled to 0 (a ridge term) and the cost absorbs it, which errs on the side of more replicas.
import { ITEMS, perItem, type Item, type PerItem } from './items.ts';
import type { PodRates } from './rates.ts';

export interface CostSample {
  /** When the interval ended, ms. */
  at: number;
  cores: number;
  items: PerItem<number>;
}

/** The window of samples an autoscaler keeps per fleet. */
export interface CostHistory {
  readonly samples: readonly CostSample[];
}

export const NO_COSTS: CostHistory = { samples: [] };

export interface LearnOptions {
  warmupSeconds: number;
  windowSeconds: number;
  maxSamples: number;
  minSamples: number;
  minShare: number;
}

export const LEARN_DEFAULTS: LearnOptions = { warmupSeconds: 30, windowSeconds: 900, maxSamples: 600, minSamples: 3, minShare: 0.05 };

/** The learned costs of one fleet. */
export interface LearnedCosts {
  /** CPU cores an idle process uses. */
  baselineCores: number;
  /** CPU-seconds per item, for items learned; undefined for the others. */
  cost: PerItem<number | undefined>;
  samples: number;
}

/**
 * The most cores a Node collector process uses, however large its limit: its pipeline runs on the main thread, and
 * V8's garbage-collection helpers (and libuv's threadpool, for compression) add to it. bench/cores on real pods: the
 * main thread took 65-67 % of the container's CPU time near saturation and 76-83 % at a fixed 15k spans/s, so a
 * fully busy main thread means 1.2-1.55 cores. The low end, so that capacity is not overestimated for a pipeline
 * heavier in JavaScript.
 */
export const NODE_COLLECTOR_MAX_CORES = 1.2;

/**
 * The cores one replica may use: its CPU limit, and for the Node collector no more than it can use (the CPU its
 * helper threads take counts in the measured costs, so below the cap the whole limit is usable).
 */
export function usableCores(cpuLimit: number, nodeCollector: boolean): number {
  return nodeCollector ? Math.min(cpuLimit, NODE_COLLECTOR_MAX_CORES) : cpuLimit;
}

/** Adds this evaluation's usable samples and drops those out of the window. */
export function recordCosts(history: CostHistory, pods: readonly PodRates[], now: number, options: LearnOptions = LEARN_DEFAULTS): CostHistory {
  const fresh: CostSample[] = [];
  for (const pod of pods) {
    if (pod.status !== 'measured' || pod.reset || pod.cores === undefined) continue;
    if (pod.uptimeSeconds !== undefined && pod.uptimeSeconds - pod.intervalSeconds < options.warmupSeconds) continue;
    fresh.push({ at: now, cores: pod.cores, items: pod.accepted });
  }
  const from = now - options.windowSeconds * 1000;
  const samples = [...history.samples.filter((s) => s.at > from), ...fresh].slice(-options.maxSamples);
  return { samples };
}

/** The least-squares costs of the window, or undefined while no item's cost is learned. */
export function learnCosts(history: CostHistory, options: LearnOptions = LEARN_DEFAULTS): LearnedCosts | undefined {
  const { samples } = history;
  if (samples.length < options.minSamples) return undefined;
  let active = ITEMS.filter((item) => samples.filter((s) => s.items[item] > 0).length >= options.minSamples);
  let withBaseline = true;
  for (let round = 0; round <= ITEMS.length + 1 && active.length > 0; round++) {
    const fit = fitCosts(samples, active, withBaseline);
    const negative = active.filter((item) => !(fit.cost[item]! > 0));
    if (negative.length > 0) {
      active = active.filter((item) => !negative.includes(item));
      continue;
    }
    if (fit.baseline < 0) {
      withBaseline = false;
      continue;
    }
    const totalCpu = samples.reduce((sum, s) => sum + s.cores, 0);
    const cost = perItem<number | undefined>(() => undefined);
    for (const item of active) {
      const share = samples.reduce((sum, s) => sum + fit.cost[item]! * s.items[item], 0) / totalCpu;
      if (share >= options.minShare) cost[item] = fit.cost[item];
    }
    if (ITEMS.every((item) => cost[item] === undefined)) return undefined;
    return { baselineCores: fit.baseline, cost, samples: samples.length };
  }
  return undefined;
}

/**
 * Ridge least squares on scaled columns: a weight of 1 % of the samples pulls the baseline towards 0 (it only
 * matters when the load does not vary), 1e-9 keeps the system solvable.
 */
function fitCosts(samples: readonly CostSample[], items: readonly Item[], withBaseline: boolean): { baseline: number; cost: Partial<PerItem<number>> } {
  const scale = items.map((item) => Math.max(...samples.map((s) => s.items[item])));
  const columns = (s: CostSample) => [...(withBaseline ? [1] : []), ...items.map((item, j) => s.items[item] / scale[j]!)];
  const n = columns(samples[0]!).length;
  const a = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const b = new Array<number>(n).fill(0);
  for (const s of samples) {
    const x = columns(s);
    for (let i = 0; i < n; i++) {
      b[i]! += x[i]! * s.cores;
      for (let j = 0; j < n; j++) a[i]![j]! += x[i]! * x[j]!;
    }
  }
  for (let i = 0; i < n; i++) a[i]![i]! += samples.length * (withBaseline && i === 0 ? 0.01 : 1e-9);
  const beta = solve(a, b);
  const offset = withBaseline ? 1 : 0;
  const cost: Partial<PerItem<number>> = {};
  items.forEach((item, j) => (cost[item] = beta[j + offset]! / scale[j]!));
  return { baseline: withBaseline ? beta[0]! : 0, cost };
}

/** Gaussian elimination with partial pivoting (the systems here are at most 4 x 4 and positive definite). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = col + 1; r < n; r++) {
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = m[r]![n]!;
    for (let c = r + 1; c < n; c++) sum -= m[r]![c]! * x[c]!;
    x[r] = sum / m[r]![r]!;
  }
  return x;
}
