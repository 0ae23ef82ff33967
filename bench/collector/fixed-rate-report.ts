// The fixed-rate benchmark's tables: figures per point and collector, and ours/theirs ratios of runs that
// shared a point (with several repeats, each of ours is set against the upstream run next to it).
import { n, table } from './report.ts';
import { ratio } from './stats.ts';

export interface FixedRow {
  target: string;
  point: string;
  repeat: number;
  offeredSpansPerSec: number;
  acceptedSpansPerSec: number;
  deliveredSpansPerSec: number;
  cpuSecondsPerMillionSpans: number;
  spansPerCpuSecond: number;
  cpuCores: number;
  rssMiB: { idle: number; steady: number; peak: number; idleAnon?: number; steadyAnon?: number };
  heapAllocMiB?: number;
  probeLatencyMs: { p50: number; p99: number; failedRequests: number };
  delivery: { acceptedTotal: number; deliveredTotal: number; refusedTotal: number };
}

/** Accepted spans that never reached the sink (negative: the sink saw more, e.g. a probe counted twice). */
export function lost(r: Pick<FixedRow, 'delivery'>): number {
  return r.delivery.acceptedTotal - r.delivery.deliveredTotal;
}

export function fixedFiguresTable(rows: readonly FixedRow[]): string {
  const head = ['point', 'collector', 'run', 'offered/s', 'delivered/s', 'CPU-s/M', 'spans/CPU-s', 'cores', 'idle MiB', 'steady MiB', 'steady anon', 'heap MiB', 'peak MiB', 'p50 ms', 'p99 ms', 'refused', 'lost'];
  return table([head, ...rows.map((r) => [
    r.point, r.target, String(r.repeat), n(r.offeredSpansPerSec), n(r.deliveredSpansPerSec), n(r.cpuSecondsPerMillionSpans, 2),
    n(r.spansPerCpuSecond), n(r.cpuCores, 2), n(r.rssMiB.idle, 1), n(r.rssMiB.steady, 1), n(r.rssMiB.steadyAnon ?? Number.NaN, 1),
    n(r.heapAllocMiB ?? Number.NaN, 1), n(r.rssMiB.peak, 1),
    n(r.probeLatencyMs.p50, 2), n(r.probeLatencyMs.p99, 2), n(r.delivery.refusedTotal), n(lost(r)),
  ])]);
}

export interface FixedRatios {
  point: string;
  repeat: number;
  /** ours / theirs: above 1 means ours does more work per CPU-second. */
  spansPerCpuSecond: number;
  steadyRss: number;
  peakRss: number;
  idleRss: number;
  p99: number;
}

export function fixedRatios(rows: readonly FixedRow[]): FixedRatios[] {
  const out: FixedRatios[] = [];
  for (const ours of rows.filter((r) => r.target === 'ours')) {
    const theirs = rows.find((r) => r.target === 'theirs' && r.point === ours.point && r.repeat === ours.repeat);
    if (!theirs) continue;
    out.push({
      point: ours.point,
      repeat: ours.repeat,
      spansPerCpuSecond: ratio(ours.spansPerCpuSecond, theirs.spansPerCpuSecond),
      steadyRss: ratio(ours.rssMiB.steady, theirs.rssMiB.steady),
      peakRss: ratio(ours.rssMiB.peak, theirs.rssMiB.peak),
      idleRss: ratio(ours.rssMiB.idle, theirs.rssMiB.idle),
      p99: ratio(ours.probeLatencyMs.p99, theirs.probeLatencyMs.p99),
    });
  }
  return out;
}

export function fixedRatiosTable(rs: readonly FixedRatios[]): string {
  return table([
    ['point', 'run', 'spans/CPU-s ours/theirs', 'steady RSS', 'peak RSS', 'idle RSS', 'p99'],
    ...rs.map((r) => [r.point, String(r.repeat), n(r.spansPerCpuSecond, 2), n(r.steadyRss, 2), n(r.peakRss, 2), n(r.idleRss, 2), n(r.p99, 2)]),
  ]);
}
