// The cores benchmark's plan and arithmetic (pure): which pod configurations run in which order, and what a
// measured window works out to per CPU-second, per requested core and per GiB.
import type { CgroupSample } from './cgroup.ts';

export type Collector = 'node' | 'upstream';

export interface PodConfig {
  collector: Collector;
  /** CPU request = limit, in cores. */
  cpu: number;
}

/**
 * Every configuration `repeats` times, interleaved: a round visits each CPU size with both collectors side by side,
 * and alternate rounds run in reverse, so a drift in the machine's load falls on every configuration alike.
 */
export function planRuns(cpus: readonly number[], repeats: number): (PodConfig & { round: number })[] {
  const round = cpus.flatMap((cpu) => (['node', 'upstream'] as const).map((collector) => ({ collector, cpu })));
  return Array.from({ length: repeats }, (_, r) => (r % 2 === 0 ? round : [...round].reverse()).map((c) => ({ ...c, round: r + 1 }))).flat();
}

/** The quantity string of a core count the API server keeps as written: 1 -> "1", 1.5 -> "1500m". */
export function cpuQuantity(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

export interface WindowFigures {
  seconds: number;
  acceptedPerSec: number;
  refusedSpans: number;
  cores: number;
  /**
   * Share of the container's CPU time spent on the main thread, and the cores the process would use with that
   * thread fully busy (cores / share): what a Node collector can use at most, whatever its limit.
   */
  mainThreadShare: number;
  coresAtFullMainThread: number;
  spansPerCpuSecond: number;
  spansPerSecPerRequestedCore: number;
  spansPerSecPerGiB: number;
  /** Share of CFS periods in which the container was throttled, and throttled seconds per second. */
  throttledShare: number;
  throttledPerSec: number;
  rssMiB: { mean: number; max: number };
}

const r = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * The figures of one window: `begin`/`end` cgroup samples, the collector's accepted and refused span counters
 * at both ends, the RSS samples taken in between.
 */
export function windowFigures(
  config: PodConfig,
  memoryGiB: number,
  begin: CgroupSample,
  end: CgroupSample,
  spans: { accepted: number; refused: number },
  rssSamples: readonly number[],
): WindowFigures {
  const seconds = end.at - begin.at;
  const cpuSeconds = end.cpuSeconds - begin.cpuSeconds;
  const acceptedPerSec = spans.accepted / seconds;
  const periods = end.periods - begin.periods;
  const rss = rssSamples.length > 0 ? rssSamples : [end.rssBytes];
  return {
    seconds: r(seconds),
    acceptedPerSec: Math.round(acceptedPerSec),
    refusedSpans: spans.refused,
    cores: r(cpuSeconds / seconds, 3),
    mainThreadShare: cpuSeconds > 0 ? r((end.mainThreadSeconds - begin.mainThreadSeconds) / cpuSeconds, 3) : 0,
    coresAtFullMainThread: end.mainThreadSeconds > begin.mainThreadSeconds ? r(cpuSeconds / (end.mainThreadSeconds - begin.mainThreadSeconds), 2) : 0,
    spansPerCpuSecond: cpuSeconds > 0 ? Math.round(spans.accepted / cpuSeconds) : 0,
    spansPerSecPerRequestedCore: Math.round(acceptedPerSec / config.cpu),
    spansPerSecPerGiB: Math.round(acceptedPerSec / memoryGiB),
    throttledShare: periods > 0 ? r((end.throttledPeriods - begin.throttledPeriods) / periods, 3) : 0,
    throttledPerSec: r((end.throttledSeconds - begin.throttledSeconds) / seconds, 3),
    rssMiB: { mean: r(rss.reduce((a, b) => a + b, 0) / rss.length / 2 ** 20, 1), max: r(Math.max(...rss) / 2 ** 20, 1) },
  };
}

export interface PointResult extends PodConfig {
  round: number;
  load: 'saturation' | 'fixed';
  figures: WindowFigures;
  loadavg: number[];
}

/** Per collector, CPU size and load: the runs' figures side by side, and the mean of each ratio to the 1-core run. */
export function summarise(points: readonly PointResult[]): Record<string, unknown>[] {
  const keyOf = (p: Pick<PointResult, 'collector' | 'cpu' | 'load'>) => `${p.collector} ${p.load} ${p.cpu}`;
  const groups = new Map<string, PointResult[]>();
  for (const p of points) groups.set(keyOf(p), [...(groups.get(keyOf(p)) ?? []), p]);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return [...groups.values()].map((runs) => {
    const { collector, load, cpu } = runs[0]!;
    const one = groups.get(keyOf({ collector, load, cpu: 1 })) ?? [];
    const ratio = (f: (w: WindowFigures) => number) =>
      one.length > 0 ? r(mean(runs.map((p) => f(p.figures))) / mean(one.map((p) => f(p.figures)))) : undefined;
    return {
      collector, load, cpu,
      acceptedPerSec: runs.map((p) => p.figures.acceptedPerSec),
      cores: runs.map((p) => p.figures.cores),
      mainThreadShare: runs.map((p) => p.figures.mainThreadShare),
      coresAtFullMainThread: runs.map((p) => p.figures.coresAtFullMainThread),
      spansPerCpuSecond: runs.map((p) => p.figures.spansPerCpuSecond),
      spansPerSecPerRequestedCore: runs.map((p) => p.figures.spansPerSecPerRequestedCore),
      spansPerSecPerGiB: runs.map((p) => p.figures.spansPerSecPerGiB),
      throttledShare: runs.map((p) => p.figures.throttledShare),
      rssMiBMax: runs.map((p) => p.figures.rssMiB.max),
      refusedSpans: runs.map((p) => p.figures.refusedSpans),
      vsOneCore: { acceptedPerSec: ratio((w) => w.acceptedPerSec), perRequestedCore: ratio((w) => w.spansPerSecPerRequestedCore) },
      loadavg1m: runs.map((p) => p.loadavg[0]),
    };
  });
}
