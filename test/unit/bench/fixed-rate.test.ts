// The fixed-rate benchmark's pure parts: how telemetrygen's rate is split over processes and workers, the
// points it runs, and the ours/theirs arithmetic of its report.
import { FIXED_RATE_POINTS, median, selectPoints } from '../../../bench/collector/fixed-rate-points.ts';
import { fixedRatios, lost } from '../../../bench/collector/fixed-rate-report.ts';
import type { FixedRow } from '../../../bench/collector/fixed-rate-report.ts';
import { telemetrygenArgs } from '../../../bench/collector/telemetrygen.ts';

const flag = (args: string[], name: string): string | undefined => args[args.indexOf(name) + 1];

describe('telemetrygen argv', () => {
  const load = { endpoint: '127.0.0.1:4317', spansPerSec: 97_500, batchSize: 100, gzip: false, durationMs: 28_200, perProcess: 25_000, perWorker: 100 };

  it('splits the rate over processes of at most perProcess and workers of at most perWorker spans/s', () => {
    const all = telemetrygenArgs(load);
    expect(all).toHaveLength(4);
    const args = all[0]!;
    const workers = Number(flag(args, '--workers'));
    const rate = Number(flag(args, '--rate'));
    expect(workers).toBe(244);
    expect(rate).toBeLessThanOrEqual(100);
    expect(rate * workers * all.length).toBeCloseTo(97_500, 6);
  });

  it('sends batches of the point size, insecure, for whole seconds, with HTTP-like span attributes', () => {
    const args = telemetrygenArgs({ ...load, spansPerSec: 20_000, batchSize: 1000 })[0]!;
    expect(args.slice(0, 4)).toEqual(['traces', '--otlp-endpoint', '127.0.0.1:4317', '--otlp-insecure']);
    expect(flag(args, '--batch-size')).toBe('1000');
    expect(flag(args, '--duration')).toBe('29s');
    expect(args.filter((a) => a === '--telemetry-attributes').length).toBeGreaterThan(4);
    expect(args).toContain('user_agent.original="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"');
  });
});

describe('fixed-rate points', () => {
  it('covers 20k, 50k and 100k spans/s at 100 spans per request, gzip, attributes and 1000 per request', () => {
    expect(FIXED_RATE_POINTS.map((p) => p.id)).toEqual(['plain-20k', 'plain-50k', 'plain-100k', 'gzip-50k', 'attributes-50k', 'batch1000-50k']);
    expect(selectPoints('gzip-50k')).toEqual([expect.objectContaining({ gzip: true, attributes: false, spansPerSec: 50_000, batchSize: 100 })]);
    expect(() => selectPoints('nope')).toThrow(/unknown point "nope"/);
  });

  it('takes the median of RSS samples', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('fixed-rate ratios', () => {
  const row = (target: string, repeat: number, spansPerCpuSecond: number, steady: number): FixedRow => ({
    target, point: 'plain-50k', repeat, offeredSpansPerSec: 50_000, acceptedSpansPerSec: 49_000, deliveredSpansPerSec: 49_000,
    cpuSecondsPerMillionSpans: 1e6 / spansPerCpuSecond, spansPerCpuSecond, cpuCores: 0.3,
    rssMiB: { idle: 50, steady, peak: steady + 10 }, probeLatencyMs: { p50: 1, p99: 4, failedRequests: 0 },
    delivery: { acceptedTotal: 1000, deliveredTotal: 998, refusedTotal: 0 },
  });

  it('pairs each of ours with the upstream run of the same point and repeat', () => {
    const rs = fixedRatios([row('ours', 1, 300_000, 60), row('theirs', 1, 200_000, 60), row('ours', 2, 150_000, 90), row('theirs', 2, 100_000, 60)]);
    expect(rs.map((r) => [r.repeat, r.spansPerCpuSecond, r.steadyRss])).toEqual([[1, 1.5, 1], [2, 1.5, 1.5]]);
  });

  it('counts accepted spans the sink never saw as lost', () => {
    expect(lost(row('ours', 1, 1, 1))).toBe(2);
  });
});
