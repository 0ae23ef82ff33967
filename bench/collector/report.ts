// Prints the benchmark's figures and the ours/theirs ratios as plain-text tables.
import { ratio } from './stats.ts';

export interface ResultRow {
  target: string;
  scenario: string;
  title: string;
  saturation: { failedRequests: number; sinkSpansPerSec: number; acceptedSpansPerSec: number; spansPerCpuSecond: number; collectorCpuSecondsPerMillionSpans: number; collectorCpuCores: number; peakRssMiB: number };
  latency: { spansPerSec: number; p50: number; p99: number; failedRequests: number };
  rss: { spansPerSec: number; atSaturation: boolean; maxRssMiB: number; failedRequests: number };
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padStart(widths[i] ?? 0)).join('  ')).join('\n');
}

export const n = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : '-');

export function figuresTable(results: readonly ResultRow[]): string {
  const head = ['scenario', 'collector', 'sink spans/s', 'accepted/s', 'CPU s/Mspans', 'spans/CPU-s', 'CPU cores', 'peak RSS MiB', 'p50 ms', 'p99 ms', '@ spans/s', 'RSS MiB', '@ spans/s', 'refused req'];
  return table([head, ...results.map((r) => [
    r.scenario, r.target, n(r.saturation.sinkSpansPerSec), n(r.saturation.acceptedSpansPerSec),
    n(r.saturation.collectorCpuSecondsPerMillionSpans, 2), n(r.saturation.spansPerCpuSecond), n(r.saturation.collectorCpuCores, 2),
    n(r.saturation.peakRssMiB, 1), n(r.latency.p50, 3), n(r.latency.p99, 3), n(r.latency.spansPerSec),
    n(r.rss.maxRssMiB, 1), `${n(r.rss.spansPerSec)}${r.rss.atSaturation ? ' (sat)' : ''}`,
    n(r.saturation.failedRequests + r.latency.failedRequests + r.rss.failedRequests),
  ])]);
}

export interface Ratios { scenario: string; spansPerCpuSecond: number; throughput: number; peakRss: number; rssAtRate: number; p99: number }

export function ratios(results: readonly ResultRow[]): Ratios[] {
  const out: Ratios[] = [];
  for (const ours of results.filter((r) => r.target === 'ours')) {
    const theirs = results.find((r) => r.target === 'theirs' && r.scenario === ours.scenario);
    if (!theirs) continue;
    out.push({
      scenario: ours.scenario,
      spansPerCpuSecond: ratio(ours.saturation.spansPerCpuSecond, theirs.saturation.spansPerCpuSecond),
      throughput: ratio(ours.saturation.sinkSpansPerSec, theirs.saturation.sinkSpansPerSec),
      peakRss: ratio(ours.saturation.peakRssMiB, theirs.saturation.peakRssMiB),
      rssAtRate: ratio(ours.rss.maxRssMiB, theirs.rss.maxRssMiB),
      p99: ratio(ours.latency.p99, theirs.latency.p99),
    });
  }
  return out;
}

export function ratiosTable(rs: readonly Ratios[]): string {
  return table([
    ['scenario', 'spans/CPU-s ours/theirs', 'throughput', 'peak RSS', 'RSS @ rate', 'p99'],
    ...rs.map((r) => [r.scenario, n(r.spansPerCpuSecond, 2), n(r.throughput, 2), n(r.peakRss, 2), n(r.rssAtRate, 2), n(r.p99, 2)]),
  ]);
}
