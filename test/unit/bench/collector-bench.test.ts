// The collector benchmark's own arithmetic: its referee (span counting), percentiles,
// metric scraping, /proc parsing and the configs it hands to both collectors.
import { availableParallelism } from 'node:os';
import { gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { grpcFrame } from '../../../bench/collector/clients.ts';
import { countGrpcBody, countSpans } from '../../../bench/collector/count-spans.ts';
import { goBuildEnv, goBuildJobs } from '../../../bench/collector/go-env.ts';
import { parseStat, parseStatus } from '../../../bench/collector/proc-stats.ts';
import { sumMetric } from '../../../bench/collector/prom.ts';
import { collectorConfig, SCENARIOS } from '../../../bench/collector/scenarios.ts';
import { encodeRequestPool } from '../../../bench/collector/spans.ts';
import { percentile, ratio, summarize } from '../../../bench/collector/stats.ts';

describe('bench span counting', () => {
  const pool = encodeRequestPool({ count: 4, minSpans: 1, maxSpans: 300, seed: 3, gzip: true });

  it('counts what the official SDK serializer encoded', () => {
    expect(pool.map((r) => countSpans(r.body))).toEqual(pool.map((r) => r.spans));
  });

  it('counts across plain and gzipped gRPC messages of one body', () => {
    const [a, b] = pool;
    const body = Buffer.concat([grpcFrame(a!.body, false), grpcFrame(gzipSync(b!.body), true)]);
    expect(countGrpcBody(body)).toBe(a!.spans + b!.spans);
  });

  it('rejects a truncated message', () => {
    expect(() => countSpans(pool[1]!.body.subarray(0, 50))).toThrow(/past end|truncated/);
  });

  it('makes spans of about 800 bytes', () => {
    const big = encodeRequestPool({ count: 1, minSpans: 500, maxSpans: 500, seed: 9, gzip: false })[0]!;
    expect(big.body.length / big.spans).toBeGreaterThan(700);
    expect(big.body.length / big.spans).toBeLessThan(950);
  });
});

describe('bench stats', () => {
  it.each([
    [[], 50, Number.NaN],
    [[5], 99, 5],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 99, 4],
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
  ])('percentile case %#', (xs, p, want) => {
    expect(percentile(xs, p)).toBe(want);
  });

  it('summarizes unsorted samples', () => {
    expect(summarize([3, 1, 2])).toEqual({ count: 3, p50: 2, p90: 3, p99: 3, max: 3 });
  });

  it('has no ratio against zero', () => {
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(3, 2)).toBe(1.5);
  });
});

describe('bench metrics and /proc parsing', () => {
  it('sums a counter over labels, with or without _total', () => {
    const text = [
      '# TYPE otelcol_receiver_accepted_spans counter',
      'otelcol_receiver_accepted_spans{receiver="otlp",transport="grpc"} 100',
      'otelcol_receiver_accepted_spans_total{receiver="otlp",transport="http"} 5',
      'otelcol_receiver_accepted_spans_other 7',
    ].join('\n');
    expect(sumMetric(text, 'otelcol_receiver_accepted_spans')).toBe(105);
  });

  it('reads ppid and CPU after a command name with spaces and parens', () => {
    const fields = ['S', '42', ...Array.from({ length: 9 }, () => '0'), '250', '50', '0'];
    expect(parseStat(`123 (node (worker) x) ${fields.join(' ')}`)).toEqual({ ppid: 42, cpuSeconds: 3 });
  });

  it('reads VmRSS and VmHWM in bytes', () => {
    expect(parseStatus('Name:\tx\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\nRssAnon:\t     512 kB\n')).toEqual({ rss: 1024 * 1024, hwm: 2048 * 1024, anon: 512 * 1024 });
  });
});

describe('bench collector configs', () => {
  const ports = { otlpGrpc: 1, metrics: 2, sink: 3 };
  const config = (id: string): any => parse(collectorConfig(SCENARIOS.find((s) => s.id === id)!, ports));

  it('(a) passes through memory_limiter and batch, uncompressed, loopback only', () => {
    const c = config('a');
    expect(c.service.pipelines.traces.processors).toEqual(['memory_limiter', 'batch']);
    expect(c.exporters['otlp_grpc/sink']).toMatchObject({ endpoint: '127.0.0.1:3', compression: 'none' });
    expect(c.receivers.otlp.protocols.grpc.endpoint).toBe('127.0.0.1:1');
  });

  it('(b) adds insert, delete and hash attribute actions before batch', () => {
    const c = config('b');
    expect(c.service.pipelines.traces.processors).toEqual(['memory_limiter', 'attributes/bench', 'batch']);
    expect(c.processors['attributes/bench'].actions.map((a: { action: string }) => a.action)).toEqual(['insert', 'delete', 'hash']);
  });

  it('(c) compresses the export', () => {
    expect(config('c').exporters['otlp_grpc/sink'].compression).toBe('gzip');
  });
});

test('Go builds compile on every core unless OTELCOL_BUILD_JOBS says otherwise', () => {
  const cores = String(availableParallelism());
  expect(goBuildJobs({})).toBe(cores);
  expect(goBuildJobs({ OTELCOL_BUILD_JOBS: '' })).toBe(cores);
  expect(goBuildJobs({ OTELCOL_BUILD_JOBS: '1' })).toBe('1');
  const env = goBuildEnv('/x', { PATH: '/bin', OTELCOL_BUILD_JOBS: '3' });
  expect([env['GOFLAGS'], env['GOMAXPROCS'], env['GOBIN']]).toEqual(['-buildvcs=false -p=3', '3', '/x/bin']);
});
