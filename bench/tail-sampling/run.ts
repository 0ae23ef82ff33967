// tail_sampling cost, ours beside the upstream build (bench/collector/otelcol-pins.ts, contrib's tail_sampling) in
// one run, same config (the guide's four policies), same traces at the same fixed rate. For each collector: idle
// RSS, then the load; after a warm-up of the decision wait (the traces held reach their steady number) a window in
// which we measure traces per CPU-second (the collector's process tree), RSS per 10,000 traces held (RSS above idle
// over upstream's own sampling_traces_on_memory gauge) and the latency from a trace's last span to its export after
// the decision (the whole trace is sent in one request). Rounds alternate which collector goes first. Writes
// bench/results/tail-sampling.json. Knobs: BENCH_ROUNDS (2), BENCH_TRACES_PER_S (1000), BENCH_WAIT_S (10),
// BENCH_MEASURE_S (20), COLLECTOR_CMD, OTELCOL_BIN.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { RawOtlpGrpcClient } from '../../test/support/grpc-raw.ts';
import { freePorts } from '../../test/support/free-port.ts';
import { ensureOtelcolBinary } from '../collector/build-otelcol.ts';
import { startCollector } from '../collector/collector-process.ts';
import { ourCollectorCommand } from '../collector/ours.ts';
import { sampleTree } from '../collector/proc-stats.ts';
import { scrape, sumMetric } from '../collector/prom.ts';
import { ratio, summarize } from '../collector/stats.ts';
import { machine, positiveIntEnv, round, writeResult } from '../operator/common.ts';
import { encodeRequest, GUIDE_POLICIES, SPANS_PER_TRACE, TimingSink, traceIdOf, TRACES_PER_REQUEST } from './traces.ts';

const ROUNDS = positiveIntEnv('BENCH_ROUNDS', 2);
const RATE = positiveIntEnv('BENCH_TRACES_PER_S', 1000);
const WAIT_S = positiveIntEnv('BENCH_WAIT_S', 10);
const MEASURE_S = positiveIntEnv('BENCH_MEASURE_S', 20);
const IDLE_S = 3;
const MiB = 1024 * 1024;

const requestsPerSecond = RATE / TRACES_PER_REQUEST;
const totalRequests = Math.ceil(requestsPerSecond * (WAIT_S + 2 + MEASURE_S));
console.error(`encoding ${totalRequests} requests (${totalRequests * TRACES_PER_REQUEST} traces of ${SPANS_PER_TRACE} spans)`);
const requests = Array.from({ length: totalRequests }, (_, r) => encodeRequest(r));

function config(grpcPort: number, metricsPort: number, sinkPort: number): object {
  return {
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpcPort}` } } } },
    processors: { tail_sampling: { decision_wait: `${WAIT_S}s`, num_traces: RATE * WAIT_S * 4, expected_new_traces_per_sec: RATE, policies: GUIDE_POLICIES } },
    exporters: { otlp: { endpoint: `127.0.0.1:${sinkPort}`, tls: { insecure: true } } },
    service: {
      telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metricsPort } } } }] } },
      pipelines: { traces: { receivers: ['otlp'], processors: ['tail_sampling'], exporters: ['otlp'] } },
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function measure(name: string, command: readonly string[]) {
  const [grpcPort, metricsPort] = await freePorts(2);
  const sink = new TimingSink();
  await sink.start();
  const dir = mkdtempSync(join(tmpdir(), 'tpo-bench-ts-'));
  writeFileSync(join(dir, 'config.yaml'), stringify(config(grpcPort!, metricsPort!, sink.port)));
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const collector = await startCollector({ command, configFile: join(dir, 'config.yaml'), logFile: join(dir, 'log'), grpcPort: grpcPort!, metricsUrl, timeoutMs: 60_000 });
  const client = new RawOtlpGrpcClient(`127.0.0.1:${grpcPort}`);
  try {
    await sleep(IDLE_S * 1000);
    const idleRss = sampleTree(collector.pid).rss;
    const sentAt: number[] = [];
    let refused = 0;
    const start = performance.now();
    const inFlight = new Set<Promise<void>>();
    const windowStart = start + (WAIT_S + 2) * 1000;
    const samples: { rss: number; held: number }[] = [];
    let cpuAtWindow: number | undefined;
    let cpuAtEnd = 0;
    let nextSample = windowStart;
    for (let r = 0; r < totalRequests; r++) {
      const due = start + (r * 1000) / requestsPerSecond;
      await sleep(due - performance.now());
      const now = performance.now();
      if (cpuAtWindow === undefined && now >= windowStart) cpuAtWindow = sampleTree(collector.pid).cpuSeconds;
      if (now >= nextSample) {
        nextSample += 2000;
        const held = sumMetric(await scrape(metricsUrl), 'otelcol_processor_tail_sampling_sampling_traces_on_memory');
        samples.push({ rss: sampleTree(collector.pid).rss, held });
      }
      sentAt[r] = performance.now();
      const sent = client.export('traces', requests[r]!).then((result) => { if (result.code !== 0) refused++; });
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
    }
    await Promise.all(inFlight);
    cpuAtEnd = sampleTree(collector.pid).cpuSeconds;
    const windowRequests = totalRequests - Math.ceil(requestsPerSecond * (WAIT_S + 2));
    await sleep((WAIT_S + 3) * 1000);
    const latencies: number[] = [];
    for (let r = totalRequests - windowRequests; r < totalRequests; r++) {
      for (let k = 0; k < TRACES_PER_REQUEST; k++) {
        const at = sink.arrivals.get(Buffer.from(traceIdOf(r * TRACES_PER_REQUEST + k), 'hex').toString('latin1'));
        if (at !== undefined) latencies.push(at - sentAt[r]!);
      }
    }
    const cpu = cpuAtEnd - (cpuAtWindow ?? cpuAtEnd);
    const rssAbove = samples.map((s) => (s.rss - idleRss) / Math.max(1, s.held));
    const latency = summarize(latencies.sort((a, b) => a - b));
    return {
      collector: name,
      tracesSent: totalRequests * TRACES_PER_REQUEST,
      refusedRequests: refused,
      tracesKept: sink.arrivals.size,
      spansKept: sink.spans,
      tracesPerCpuSecond: round((windowRequests * TRACES_PER_REQUEST) / cpu, 0),
      windowCpuSeconds: round(cpu, 2),
      idleRssMiB: round(idleRss / MiB, 1),
      heldTraces: round(samples.reduce((sum, s) => sum + s.held, 0) / Math.max(1, samples.length), 0),
      steadyRssMiB: round(samples.reduce((sum, s) => sum + s.rss, 0) / Math.max(1, samples.length) / MiB, 1),
      rssMiBPer10kHeld: round((rssAbove.sort((a, b) => a - b)[Math.floor(rssAbove.length / 2)] ?? 0) * 10_000 / MiB, 1),
      latencyMs: { p50: round(latency.p50, 0), p99: round(latency.p99, 0), max: round(latency.max, 0), beyondWaitP50: round(latency.p50 - WAIT_S * 1000, 0) },
    };
  } finally {
    client.close();
    await collector.stop();
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const ours = await ourCollectorCommand(fileURLToPath(new URL('../..', import.meta.url)));
const upstream = [process.env['OTELCOL_BIN'] ?? (await ensureOtelcolBinary()).binary];
const rounds = [];
for (let round_ = 0; round_ < ROUNDS; round_++) {
  const order = round_ % 2 === 0 ? [['ours', ours], ['upstream', upstream]] as const : [['upstream', upstream], ['ours', ours]] as const;
  const results: Record<string, Awaited<ReturnType<typeof measure>>> = {};
  for (const [name, command] of order) {
    console.error(`round ${round_ + 1}: ${name}`);
    results[name] = await measure(name, command);
  }
  const o = results['ours']!;
  const u = results['upstream']!;
  rounds.push({
    first: order[0][0], ours: o, upstream: u,
    ratios: {
      tracesPerCpuSecond: ratio(o.tracesPerCpuSecond, u.tracesPerCpuSecond),
      rssPer10kHeld: ratio(o.rssMiBPer10kHeld, u.rssMiBPer10kHeld),
      latencyP50: ratio(o.latencyMs.p50, u.latencyMs.p50),
    },
  });
}
writeResult('tail-sampling', {
  when: new Date().toISOString(),
  machine: machine(),
  setup: { tracesPerSecond: RATE, spansPerTrace: SPANS_PER_TRACE, tracesPerRequest: TRACES_PER_REQUEST, decisionWaitS: WAIT_S, measureS: MEASURE_S, policies: GUIDE_POLICIES.map((p) => p.name) },
  note: 'ratios are ours / upstream, measured in the same round; RSS per 10k held = (RSS - idle RSS) / sampling_traces_on_memory, median of samples every 2 s',
  rounds,
});
process.exit(0);
