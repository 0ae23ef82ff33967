// CPU cost and throughput of the persistent sending queue (file_storage) against the in-memory queue: our
// collector (the compiled build, ours.ts) receives a fixed rate of OTLP/gRPC requests and exports them to a sink,
// once per queue kind; the CPU seconds of the collector process over the measured window, per 10k spans/s.
// Writes bench/results/collector-persistent-queue.json.
//   node bench/collector/persistent-queue.ts
// Environment: BENCH_RATE (spans/s, default 20000), BENCH_BATCH (spans per request, 100), BENCH_WARMUP_S (5),
// BENCH_MEASURE_S (20), BENCH_VARIANTS (memory,file,file-fsync).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePorts } from '../../test/support/free-port.ts';
import { RawOtlpGrpcClient } from '../../test/support/grpc-raw.ts';
import { realisticSpansRequest } from '../../test/support/otlp-payloads.ts';
import { OtlpSink } from '../../test/support/otlp-sink.ts';
import { finishRun, numEnv } from './bench-run.ts';
import { startCollector } from './collector-process.ts';
import { ourCollectorCommand } from './ours.ts';
import { sampleTree } from './proc-stats.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const rate = numEnv('BENCH_RATE', 20_000);
const batch = numEnv('BENCH_BATCH', 100);
const warmupMs = numEnv('BENCH_WARMUP_S', 5) * 1000;
const measureMs = numEnv('BENCH_MEASURE_S', 20) * 1000;
const variants = (process.env['BENCH_VARIANTS'] ?? 'memory,file,file-fsync').split(',').map((v) => v.trim());
const TICK_MS = 10;

interface Result {
  readonly variant: string;
  readonly offeredSpansPerSec: number;
  readonly acceptedSpansPerSec: number;
  readonly deliveredSpansPerSec: number;
  readonly refusedRequests: number;
  readonly cpuPercent: number;
  readonly cpuPercentPer10kSpansPerSec: number;
  readonly rssMiB: number;
}

function config(variant: string, ports: { grpc: number; metrics: number }, sink: OtlpSink, storage: string): object {
  const persistent = variant !== 'memory';
  return {
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${ports.grpc}` } } } },
    exporters: {
      otlp: {
        endpoint: sink.grpcEndpoint, tls: { insecure: true }, compression: 'none',
        sending_queue: { queue_size: 5000, ...(persistent ? { storage: 'file_storage' } : {}) },
      },
    },
    ...(persistent ? { extensions: { file_storage: { directory: storage, create_directory: true, fsync: variant === 'file-fsync' } } } : {}),
    service: {
      ...(persistent ? { extensions: ['file_storage'] } : {}),
      telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: ports.metrics } } } }] } },
      pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp'] } },
    },
  };
}

async function measure(variant: string, command: readonly string[]): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'tpo-bench-pq-'));
  const sink = await OtlpSink.start();
  const [grpc, metrics] = (await freePorts(2)) as [number, number];
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(config(variant, { grpc, metrics }, sink, join(dir, 'storage'))));
  const collector = await startCollector({ command, configFile, logFile: join(dir, 'collector.log'), grpcPort: grpc, metricsUrl: `http://127.0.0.1:${metrics}/metrics`, timeoutMs: 60_000 });
  const client = new RawOtlpGrpcClient(`127.0.0.1:${grpc}`);
  const pool = Array.from({ length: 50 }, (_, i) => realisticSpansRequest(batch, 800, `r${i}`));
  // Requests owed by the clock, not by ticks: a late timer sends what it missed.
  const perMs = rate / batch / 1000;
  let last = performance.now();
  let owed = 0;
  let sent = 0;
  let accepted = 0;
  let refused = 0;
  let measuring = false;
  const timer = setInterval(() => {
    const now = performance.now();
    owed += (now - last) * perMs;
    last = now;
    for (; owed >= 1; owed--) {
      const body = pool[sent++ % pool.length]!;
      void client.export('traces', body, 10_000).then(({ code }) => {
        if (!measuring) return;
        if (code === 0) accepted += batch;
        else refused++;
      });
    }
  }, TICK_MS);
  try {
    await new Promise((resolve) => setTimeout(resolve, warmupMs));
    measuring = true;
    const before = { cpu: sampleTree(collector.pid).cpuSeconds, delivered: sink.items(), at: performance.now() };
    await new Promise((resolve) => setTimeout(resolve, measureMs));
    const after = { sample: sampleTree(collector.pid), delivered: sink.items(), at: performance.now() };
    measuring = false;
    const seconds = (after.at - before.at) / 1000;
    const cpuPercent = ((after.sample.cpuSeconds - before.cpu) / seconds) * 100;
    const delivered = (after.delivered - before.delivered) / seconds;
    return {
      variant,
      offeredSpansPerSec: rate,
      acceptedSpansPerSec: Math.round(accepted / seconds),
      deliveredSpansPerSec: Math.round(delivered),
      refusedRequests: refused,
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      cpuPercentPer10kSpansPerSec: Math.round((cpuPercent / (delivered / 10_000)) * 10) / 10,
      rssMiB: Math.round(after.sample.rss / 1024 / 1024),
    };
  } finally {
    clearInterval(timer);
    client.close();
    await collector.stop();
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const loadavgBefore = loadavg();
const command = await ourCollectorCommand(root);
const results: Result[] = [];
const failures: string[] = [];
for (const variant of variants) {
  try {
    results.push(await measure(variant, command));
  } catch (error) {
    failures.push(`${variant}: ${(error as Error).message}`);
  }
}
const table = [
  'variant      offered/s  accepted/s  delivered/s  refused  CPU %  CPU % per 10k/s  RSS MiB',
  ...results.map((r) => [r.variant.padEnd(11), String(r.offeredSpansPerSec).padStart(10), String(r.acceptedSpansPerSec).padStart(11),
    String(r.deliveredSpansPerSec).padStart(12), String(r.refusedRequests).padStart(8), String(r.cpuPercent).padStart(6),
    String(r.cpuPercentPer10kSpansPerSec).padStart(16), String(r.rssMiB).padStart(8)].join(' ')),
].join('\n');
const out = { startedAt: new Date().toISOString(), rate, batch, warmupMs, measureMs, results, machine: { loadavgBefore } };
finishRun(root, 'collector-persistent-queue', out, [table], failures);
process.exit(failures.length > 0 ? 1 : 0);
