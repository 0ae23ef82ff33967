// One scenario against one collector: saturation, latency at half of it, RSS at a paced rate.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from './collector-process.ts';
import { freePort } from '../../test/support/free-port.ts';
import { forkHelper } from './ipc.ts';
import type { Helper } from './ipc.ts';
import type { LoadStats, StartMsg } from './loadgen.ts';
import { resetPeakRss, sampleTree } from './proc-stats.ts';
import { scrape, sumMetric } from './prom.ts';
import { collectorConfig } from './scenarios.ts';
import type { Scenario } from './scenarios.ts';

export interface BenchOptions {
  warmupMs: number;
  measureMs: number;
  concurrency: number;
  channels: number;
  client: 'grpc-js' | 'http2' | 'auto';
  rssRate: number;
  /** Spans/s of the latency phase; 0: half of this collector's own saturation rate. */
  latencyRate: number;
  maxRequestsPerPhase: number;
}

const MiB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
// Summaries cross the IPC channel as JSON, where NaN (no samples) arrives as null.
const round = (x: number | null, digits = 2): number => (x === null || !Number.isFinite(x) ? Number.NaN : Number(x.toFixed(digits)));

interface SinkCount { spans: number; requests: number; errors: number }

export async function measureScenario(target: { name: string; command: readonly string[] }, s: Scenario, o: BenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), `tpo-bench-${target.name}-${s.id}-`));
  const sink = forkHelper(new URL('./sink.ts', import.meta.url));
  const { port: sinkPort } = await sink.ask<{ port: number }>(undefined, 'ready');
  const ports = { otlpGrpc: await freePort(), metrics: await freePort(), sink: sinkPort };
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, collectorConfig(s, ports));
  const metricsUrl = `http://127.0.0.1:${ports.metrics}/metrics`;
  const collector = await startCollector({
    command: target.command, configFile, logFile: join(dir, 'collector.log'), grpcPort: ports.otlpGrpc, metricsUrl, timeoutMs: 60_000,
  }).catch((err: unknown) => { sink.close(); throw err; });
  const loadgen = forkHelper(new URL('./loadgen.ts', import.meta.url));
  try {
    const client = o.client === 'auto' ? (s.gzip ? 'http2' : 'grpc-js') : o.client;
    const ready = await loadgen.ask<{ bytesPerSpan: number; gzipRatio: number }>({
      type: 'init', address: `127.0.0.1:${ports.otlpGrpc}`, gzip: s.gzip, client, channels: o.channels,
      poolSize: 16, minSpans: 100, maxSpans: 1000, seed: 42,
    }, 'ready', 120_000);

    const snapshot = async () => ({
      t: performance.now(),
      sink: await sink.ask<SinkCount>({ type: 'count' }, 'count'),
      accepted: sumMetric(await scrape(metricsUrl), 'otelcol_receiver_accepted_spans'),
      tree: sampleTree(collector.pid),
      sinkCpu: sampleTree(sink.pid).cpuSeconds,
    });

    // Phase 1: saturation, closed loop with many requests in flight.
    const sat = await phase(loadgen, o, { mode: 'closed', concurrency: o.concurrency, spansPerSec: 0, maxInFlight: 0 }, snapshot);
    const dt = (sat.end.t - sat.begin.t) / 1000;
    const delivered = sat.end.sink.spans - sat.begin.sink.spans;
    const cpu = sat.end.tree.cpuSeconds - sat.begin.tree.cpuSeconds;
    const saturation = {
      sinkSpansPerSec: Math.round(delivered / dt),
      acceptedSpansPerSec: Math.round((sat.end.accepted - sat.begin.accepted) / dt),
      clientOkSpansPerSec: Math.round(sat.stats.okSpans / (sat.stats.windowMs / 1000)),
      collectorCpuSecondsPerMillionSpans: round((cpu / delivered) * 1e6, 3),
      spansPerCpuSecond: Math.round(delivered / cpu),
      collectorCpuCores: round(cpu / dt),
      loadgenCpuCores: round(sat.stats.cpuMs / sat.stats.windowMs),
      sinkCpuCores: round((sat.end.sinkCpu - sat.begin.sinkCpu) / dt),
      peakRssMiB: round(sat.end.tree.hwm / MiB, 1),
      failedRequests: sat.stats.failedRequests,
      failureCodes: sat.stats.failureCodes,
      latencyMs: sat.stats.latencyMs.all,
    };
    await sleep(1000);

    // Phase 2: latency, open loop at half of the saturation rate (or at a rate given for every collector alike).
    const halfRate = o.latencyRate > 0 ? o.latencyRate : Math.max(1000, Math.round(saturation.sinkSpansPerSec / 2));
    const lat = await phase(loadgen, o, { mode: 'open', concurrency: 0, spansPerSec: halfRate, maxInFlight: 4 * o.concurrency }, snapshot);
    const latency = {
      spansPerSec: halfRate,
      achievedSpansPerSec: Math.round(lat.stats.okSpans / (lat.stats.windowMs / 1000)),
      ...roundAll(lat.stats.latencyMs.all),
      p99SmallRequestsMs: round(lat.stats.latencyMs.small.p99, 3),
      p99LargeRequestsMs: round(lat.stats.latencyMs.large.p99, 3),
      behindSchedule: lat.stats.behindSchedule,
      failedRequests: lat.stats.failedRequests,
    };
    await sleep(1000);

    // Phase 3: memory at a paced rate (100k spans/s, or the saturation rate if lower).
    const atSaturation = saturation.sinkSpansPerSec < o.rssRate;
    const rssRate = atSaturation ? saturation.sinkSpansPerSec : o.rssRate;
    const peakResettable = resetPeakRss(collector.pid);
    let maxRss = 0;
    const sampler = setInterval(() => { maxRss = Math.max(maxRss, sampleTree(collector.pid).rss); }, 250);
    const mem = await phase(loadgen, o, { mode: 'open', concurrency: 0, spansPerSec: rssRate, maxInFlight: 4 * o.concurrency }, snapshot);
    clearInterval(sampler);
    const rss = {
      spansPerSec: rssRate,
      atSaturation,
      achievedSpansPerSec: Math.round(mem.stats.okSpans / (mem.stats.windowMs / 1000)),
      maxRssMiB: round(maxRss / MiB, 1),
      peakRssMiB: peakResettable ? round(mem.end.tree.hwm / MiB, 1) : null,
      endRssMiB: round(mem.end.tree.rss / MiB, 1),
      failedRequests: mem.stats.failedRequests,
    };

    // Everything accepted should reach the sink once the batch timeout has passed.
    await sleep(1500);
    const last = await snapshot();
    const exitCode = await collector.stop();
    const after = await sink.ask<SinkCount>({ type: 'count' }, 'count');
    return {
      target: target.name, scenario: s.id, title: s.title, bytesPerSpan: round(ready.bytesPerSpan, 1), client,
      saturation, latency, rss,
      delivery: { acceptedTotal: last.accepted, deliveredTotal: after.spans, sinkDecodeErrors: after.errors },
      exitCode, workDir: dir,
    };
  } finally {
    await collector.stop();
    await loadgen.ask({ type: 'exit' }, 'never', 1000).catch(() => undefined);
    sink.close();
    loadgen.close();
  }
}

function roundAll<T extends object>(x: T): T {
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : v])) as T;
}

type Snapshot<S> = () => Promise<S>;

/** Warm up, then measure a window between two snapshots; the load stops itself if we do not. */
async function phase<S>(loadgen: Helper, o: BenchOptions, start: Omit<StartMsg, 'type' | 'maxMs' | 'maxRequests'>, snapshot: Snapshot<S>) {
  const maxMs = o.warmupMs + o.measureMs + 5000;
  const stats = loadgen.ask<LoadStats>({ type: 'start', ...start, maxMs, maxRequests: o.maxRequestsPerPhase }, 'stats', maxMs + 20_000);
  await sleep(o.warmupMs);
  await loadgen.ask({ type: 'mark' }, 'marked');
  const begin = await snapshot();
  await sleep(o.measureMs);
  const end = await snapshot();
  loadgen.child.send({ type: 'stop' });
  return { begin, end, stats: await stats };
}
