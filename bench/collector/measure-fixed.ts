// One fixed-rate point against one collector: start it, let it idle (idle RSS), offer telemetrygen's load at
// the point's rate plus a small latency probe, warm up, measure a window (CPU, RSS samples, spans accepted and
// delivered, probe latencies), stop the load and check that everything accepted reached the sink.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector } from './collector-process.ts';
import { freePorts } from '../../test/support/free-port.ts';
import type { FixedRatePoint } from './fixed-rate-points.ts';
import { median } from './fixed-rate-points.ts';
import { forkHelper } from './ipc.ts';
import type { LoadStats } from './loadgen.ts';
import { sampleTree } from './proc-stats.ts';
import { scrape, sumMetric } from './prom.ts';
import { collectorConfig } from './scenarios.ts';
import { startTelemetrygen } from './telemetrygen.ts';

export interface FixedRateOptions {
  readonly idleMs: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** Probe requests per second (100 spans each), part of the offered rate. */
  readonly probeRequestsPerSec: number;
  readonly telemetrygen: string;
  /** telemetrygen spans per second per process and per worker (telemetrygen.ts). */
  readonly perProcess: number;
  readonly perWorker: number;
  /** Keep the work folder (config, collector log) of a measurement that succeeded; a failed one's is always kept. */
  readonly keepWorkDir?: boolean;
}

const MiB = 1024 * 1024;
const PROBE_SPANS = 100;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (x: number | null, digits = 2): number => (x === null || !Number.isFinite(x) ? Number.NaN : Number(x.toFixed(digits)));

interface SinkCount { spans: number; requests: number; bytes: number; errors: number }

export async function measureFixedRate(target: { name: string; command: readonly string[] }, p: FixedRatePoint, o: FixedRateOptions) {
  const dir = mkdtempSync(join(tmpdir(), `tpo-fixed-${target.name}-${p.id}-`));
  const sink = forkHelper(new URL('./sink.ts', import.meta.url));
  const { port: sinkPort } = await sink.ask<{ port: number }>(undefined, 'ready');
  const [otlpGrpc = 0, metrics = 0] = await freePorts(2);
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, collectorConfig(p, { otlpGrpc, metrics, sink: sinkPort }));
  const metricsUrl = `http://127.0.0.1:${metrics}/metrics`;
  const collector = await startCollector({
    command: target.command, configFile, logFile: join(dir, 'collector.log'), grpcPort: otlpGrpc, metricsUrl, timeoutMs: 60_000,
  }).catch((err: unknown) => { sink.close(); throw err; });
  const probe = forkHelper(new URL('./loadgen.ts', import.meta.url));
  let load: ReturnType<typeof startTelemetrygen> | undefined;
  let measured = false;
  try {
    await probe.ask({
      type: 'init', address: `127.0.0.1:${otlpGrpc}`, gzip: p.gzip, client: 'grpc-js', channels: 1,
      poolSize: 16, minSpans: PROBE_SPANS, maxSpans: PROBE_SPANS, seed: 7,
    }, 'ready', 120_000);
    await sleep(o.idleMs);
    const idle = sampleTree(collector.pid);

    const probeRate = o.probeRequestsPerSec * PROBE_SPANS;
    const loadMs = o.warmupMs + o.measureMs;
    load = startTelemetrygen(o.telemetrygen, {
      endpoint: `127.0.0.1:${otlpGrpc}`, spansPerSec: p.spansPerSec - probeRate, batchSize: p.batchSize, gzip: p.gzip,
      durationMs: loadMs + 3000, perProcess: o.perProcess, perWorker: o.perWorker, logFile: join(dir, 'telemetrygen.log'),
    });
    const probeStats = probe.ask<LoadStats>({
      type: 'start', mode: 'open', concurrency: 0, spansPerSec: probeRate, maxInFlight: 64, maxMs: loadMs + 10_000, maxRequests: 10_000_000,
    }, 'stats', loadMs + 30_000);

    const started = performance.now();
    const rssSamples: Array<{ t: number; rss: number; anon: number }> = [];
    const sampler = setInterval(() => {
      const { rss, anon } = sampleTree(collector.pid);
      rssSamples.push({ t: performance.now() - started, rss, anon });
    }, 250);
    const loadPids = [...load.pids, probe.pid];
    const snapshot = async () => ({
      t: performance.now(),
      sink: await sink.ask<SinkCount>({ type: 'count' }, 'count'),
      text: await scrape(metricsUrl),
      tree: sampleTree(collector.pid),
      loadCpu: loadPids.reduce((sum, pid) => sum + sampleTree(pid).cpuSeconds, 0),
    });

    await sleep(o.warmupMs);
    await probe.ask({ type: 'mark' }, 'marked');
    const begin = await snapshot();
    await sleep(o.measureMs);
    const end = await snapshot();
    probe.child.send({ type: 'stop' });
    const probed = await probeStats;
    clearInterval(sampler);
    await load.stop();

    // Everything accepted should reach the sink once the batch timeout (200 ms) and the last export have passed.
    await sleep(2000);
    const last = await snapshot();
    const hwm = last.tree.hwm;
    await collector.stop();
    const final = await sink.ask<SinkCount>({ type: 'count' }, 'count');

    const dt = (end.t - begin.t) / 1000;
    const delivered = end.sink.spans - begin.sink.spans;
    const accepted = sumMetric(end.text, 'otelcol_receiver_accepted_spans') - sumMetric(begin.text, 'otelcol_receiver_accepted_spans');
    const refused = sumMetric(last.text, 'otelcol_receiver_refused_spans');
    const cpu = end.tree.cpuSeconds - begin.tree.cpuSeconds;
    const windowSamples = rssSamples.filter((s) => s.t >= o.warmupMs && s.t <= loadMs);
    const window = windowSamples.map((s) => s.rss);
    const all = rssSamples.map((s) => s.rss);
    measured = true;
    return {
      target: target.name, point: p.id, title: p.title,
      offeredSpansPerSec: p.spansPerSec,
      acceptedSpansPerSec: Math.round(accepted / dt),
      deliveredSpansPerSec: Math.round(delivered / dt),
      spansPerExport: round(delivered / (end.sink.requests - begin.sink.requests), 1),
      bytesPerSpanOut: round((end.sink.bytes - begin.sink.bytes) / delivered, 1),
      cpuSecondsPerMillionSpans: round((cpu / delivered) * 1e6, 3),
      spansPerCpuSecond: Math.round(delivered / cpu),
      cpuCores: round(cpu / dt, 3),
      loadgenCpuCores: round((end.loadCpu - begin.loadCpu) / dt, 2),
      rssMiB: {
        idle: round(idle.rss / MiB, 1),
        steady: round(median(window) / MiB, 1),
        windowMin: round(Math.min(...window) / MiB, 1),
        windowMax: round(Math.max(...window) / MiB, 1),
        peak: round(Math.max(...all, hwm) / MiB, 1),
        idleAnon: round(idle.anon / MiB, 1),
        steadyAnon: round(median(windowSamples.map((s) => s.anon)) / MiB, 1),
      },
      /** What the collector reports as heap in use (ours: V8 heap used plus external memory; upstream: Go's heap), at the window's end. */
      heapAllocMiB: round(sumMetric(end.text, 'otelcol_process_runtime_heap_alloc_bytes') / MiB, 1),
      probeLatencyMs: {
        requests: probed.latencyMs.all.count,
        p50: round(probed.latencyMs.all.p50, 3),
        p90: round(probed.latencyMs.all.p90, 3),
        p99: round(probed.latencyMs.all.p99, 3),
        max: round(probed.latencyMs.all.max, 3),
        failedRequests: probed.failedRequests,
        behindSchedule: probed.behindSchedule,
      },
      delivery: {
        acceptedTotal: sumMetric(last.text, 'otelcol_receiver_accepted_spans'),
        deliveredTotal: final.spans,
        refusedTotal: refused,
        sinkErrors: final.errors,
      },
      workDir: o.keepWorkDir ? dir : undefined,
    };
  } finally {
    await load?.stop();
    await collector.stop();
    await probe.ask({ type: 'exit' }, 'never', 1000).catch(() => undefined);
    probe.close();
    sink.close();
    if (measured && !o.keepWorkDir) rmSync(dir, { recursive: true, force: true });
  }
}

export type FixedRateResult = Awaited<ReturnType<typeof measureFixedRate>>;
