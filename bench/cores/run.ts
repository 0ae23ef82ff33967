// How many cores a collector pod can use (issue 11, "Cores"): one collector pod at a time on the real node, the
// Node collector (the project image) and the upstream one (spec.image), each with CPU request = limit of 1, 1.5 and
// 2 cores and a fixed memory limit, driven from the host to its pod IP by the collector benchmark's load generator
// (pre-encoded requests of 100 spans): first in a bounded closed loop to saturation, then at a fixed rate well
// below it. The kernel's accounting of the container's cgroup gives CPU time and throttling; the collector's own
// counters give the spans accepted and refused; /proc gives the share of the CPU time spent on the main thread,
// from which the cores a Node collector could use at a fully busy main thread follow. Each configuration runs
// CORES_REPEATS times, interleaved, each run in a child process of its own that brings up the node and the operator
// (other suites stop a shared node when the run that started it ends).
//   npm run bench:cores        -> bench/results/cores.json
// Settings (environment): CORES_CPUS (1,1.5,2), CORES_REPEATS (2), CORES_MEMORY_GIB (1), CORES_SETTLE_S (4),
// CORES_WINDOW_S (15), CORES_CONCURRENCY (32 requests in flight), CORES_FIXED_RATE (15000 spans/s),
// CORES_MAX_MINUTES (50). The CPU request is the limit where the node has room for it, else what it has left (other
// suites' pods share the 2-CPU node): a request only places the pod and weighs it against other pods; the CFS
// quota that caps it comes from the limit.
import { KubeConfig } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { objectPath, resources } from '../../src/operator/kube/resources.ts';
import { parseQuantity } from '../../src/api/quantity.ts';
import { REAL_NODE_IP, REAL_NODE_NAME } from '../../test/cluster/addresses.ts';
import { ensureRealNode, nodeStartedBy, stopNode } from '../../test/cluster/harness.ts';
import { createNamespace, createPipeline, deleteNamespace, installCrd, pipeline } from '../../test/integration/operator-helpers.ts';
import { listFleetPods } from '../../test/support/fleet-pods.ts';
import { installOperator, ON_REAL_NODE, uninstallOperator, type OperatorRelease } from '../../test/support/real-node.ts';
import { finishRun, numEnv } from '../collector/bench-run.ts';
import { forkHelper, type Helper } from '../collector/ipc.ts';
import type { LoadStats } from '../collector/loadgen.ts';
import { sampleTree } from '../collector/proc-stats.ts';
import { scrape, sumMetric } from '../collector/prom.ts';
import { findContainerCgroups, sampleCgroup, type CgroupSample, type ContainerCgroups } from './cgroup.ts';
import { cpuQuantity, planRuns, summarise, windowFigures, type PodConfig, type PointResult } from './points.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CPUS = (process.env['CORES_CPUS'] ?? '1,1.5,2').split(',').map(Number);
const REPEATS = numEnv('CORES_REPEATS', 2);
const MEMORY_GIB = numEnv('CORES_MEMORY_GIB', 1);
const SETTLE_S = numEnv('CORES_SETTLE_S', 4);
const WINDOW_S = numEnv('CORES_WINDOW_S', 15);
const CONCURRENCY = numEnv('CORES_CONCURRENCY', 32);
const FIXED_RATE = numEnv('CORES_FIXED_RATE', 15_000);
const MAX_MS = numEnv('CORES_MAX_MINUTES', 50) * 60_000;
const SPANS_PER_REQUEST = 100;
/** Requests a window may send at most: far above what 2 cores carry, a bound all the same. */
const MAX_REQUESTS = 200_000;

/** The points so far, rewritten after each one: a run cut short (the shared node stopped) keeps what it measured. */
const PARTIAL = join(ROOT, 'bench', 'results', 'cores.partial.json');
const deadline = Date.now() + MAX_MS;
function withinDeadline(what: string): void {
  if (Date.now() > deadline) throw new Error(`CORES_MAX_MINUTES reached before ${what}`);
}

async function waitUntil<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

async function spanCounters(ip: string): Promise<{ accepted: number; refused: number }> {
  const text = await scrape(`http://${ip}:8888/metrics`);
  return { accepted: sumMetric(text, 'otelcol_receiver_accepted_spans'), refused: sumMetric(text, 'otelcol_receiver_refused_spans') };
}

interface Pod { ip: string; cgroups: ContainerCgroups }

/** A one-replica pipeline of `config` exporting to the sink; resolves once its pod is Ready. */
async function startPod(client: KubeClient, ns: string, name: string, config: PodConfig, image: string | undefined, sinkEndpoint: string): Promise<Pod> {
  const cpu = cpuQuantity(config.cpu);
  const request = cpuQuantity(Math.min(config.cpu, await freeCpu(client)));
  console.error(`${name}: limit ${cpu}, request ${request}`);
  const memory = `${MEMORY_GIB}Gi`;
  await createPipeline(client, pipeline(ns, name, {
    ...ON_REAL_NODE,
    ...(image !== undefined && { image }),
    signals: ['traces'],
    replicas: 1,
    scaling: { enabled: false },
    exporters: [{ name: 'sink', otlp: { endpoint: sinkEndpoint, insecure: true, compression: 'none' } }],
    resources: { requests: { cpu: request, memory }, limits: { cpu, memory } },
  }));
  const view = await waitUntil(`${name} Ready`, async () => {
    const pods = await listFleetPods(client, ns, name);
    return pods.find((p) => p.ready && p.ip && p.containerId);
  }, 180_000);
  const cgroups = await waitUntil(`${name}'s cgroups`, () => findContainerCgroups(view.containerId!), 30_000);
  await waitUntil(`${name}'s metrics`, () => spanCounters(view.ip!), 30_000);
  return { ip: view.ip!, cgroups };
}

/** CPU the real node has not promised to pods yet, less a tenth for what starts meanwhile, in whole millicores. */
async function freeCpu(client: KubeClient): Promise<number> {
  const node = await client.request<{ status: { allocatable: { cpu: string } } }>('GET', `/api/v1/nodes/${REAL_NODE_NAME}`);
  const pods = await client.request<{ items: { status?: { phase?: string }; spec: { containers: { resources?: { requests?: { cpu?: string } } }[] } }[] }>(
    'GET', '/api/v1/pods', { query: { fieldSelector: `spec.nodeName=${REAL_NODE_NAME}` } });
  const requested = pods.items
    .filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
    .flatMap((p) => p.spec.containers)
    .reduce((sum, c) => sum + parseQuantity(c.resources?.requests?.cpu ?? '0'), 0);
  return Math.max(0.05, Math.floor((parseQuantity(node.status.allocatable.cpu) - requested - 0.1) * 1000) / 1000);
}

async function deletePod(client: KubeClient, ns: string, name: string): Promise<void> {
  await client.request('DELETE', objectPath(resources.pipeline, ns, name)).catch(() => undefined);
  await waitUntil(`${name}'s pods gone`, async () => (await listFleetPods(client, ns, name)).length === 0, 120_000);
}

/**
 * One measured window: the load starts, runs SETTLE_S before the window opens, then WINDOW_S with the RSS sampled
 * every second; the load is bounded by its own timer and request count as well.
 */
async function measureWindow(load: Helper, pod: Pod, sink: Helper, start: object): Promise<{ begin: CgroupSample; end: CgroupSample; spans: { accepted: number; refused: number }; rss: number[]; stats: LoadStats; sinkCores: number }> {
  const stats = load.ask<LoadStats>({ type: 'start', maxRequests: MAX_REQUESTS, maxMs: (SETTLE_S + WINDOW_S + 5) * 1000, ...start }, 'stats', (SETTLE_S + WINDOW_S + 30) * 1000);
  // Awaited at the end; a failure in between must not leave it rejecting unhandled.
  stats.catch(() => undefined);
  await sleep(SETTLE_S * 1000);
  const [begin, c0, s0] = [await sampleCgroup(pod.cgroups), await spanCounters(pod.ip), sampleTree(sink.pid).cpuSeconds];
  const rss: number[] = [];
  for (let i = 0; i < WINDOW_S; i++) {
    await sleep(1000);
    rss.push((await sampleCgroup(pod.cgroups)).rssBytes);
  }
  const [end, c1, s1] = [await sampleCgroup(pod.cgroups), await spanCounters(pod.ip), sampleTree(sink.pid).cpuSeconds];
  load.child.send({ type: 'stop' });
  return {
    begin, end, rss, stats: await stats, sinkCores: (s1 - s0) / (end.at - begin.at),
    spans: { accepted: c1.accepted - c0.accepted, refused: c1.refused - c0.refused },
  };
}

/**
 * One configuration, in a child process of its own (CORES_POINT): the node, the operator in a fresh namespace, the
 * pod, the two windows. Prints each point as a `POINT <json>` line.
 */
async function measureConfig(run: PodConfig & { round: number }): Promise<void> {
  const node = await ensureRealNode();
  const kc = new KubeConfig();
  kc.loadFromFile(node.kubeconfig);
  const client = new KubeClient(kc, { userAgent: 'tpo-bench-cores' });
  process.env['BENCH_SINK_HOST'] = REAL_NODE_IP;
  const sink = forkHelper(new URL('../collector/sink.ts', import.meta.url));
  const load = forkHelper(new URL('../collector/loadgen.ts', import.meta.url));
  const name = `${run.collector}-${cpuQuantity(run.cpu)}-r${run.round}`.toLowerCase();
  let ns: string | undefined;
  let operator: OperatorRelease | undefined;
  try {
    const { port } = await sink.ask<{ port: number }>(undefined, 'ready');
    await installCrd(client);
    ns = await createNamespace(client, 'bench-cores');
    operator = await installOperator(node.kubeconfig, ns, node.images.project);
    const pod = await startPod(client, ns, name, run, run.collector === 'upstream' ? node.images.upstream : undefined, `${REAL_NODE_IP}:${port}`);
    await load.ask({ type: 'init', address: `${pod.ip}:4317`, gzip: false, client: 'grpc-js', channels: 4, poolSize: 64, minSpans: SPANS_PER_REQUEST, maxSpans: SPANS_PER_REQUEST, seed: 11 }, 'ready');
    console.error(`${name}: Ready at ${pod.ip}, warming up`);
    // Warm-up (JIT, pools), not measured.
    await load.ask({ type: 'start', mode: 'open', spansPerSec: FIXED_RATE, maxInFlight: 64, concurrency: 0, maxMs: 6_000, maxRequests: MAX_REQUESTS }, 'stats', 40_000);
    const windows = [
      { load: 'saturation' as const, start: { mode: 'closed', concurrency: CONCURRENCY, spansPerSec: 0, maxInFlight: CONCURRENCY } },
      { load: 'fixed' as const, start: { mode: 'open', concurrency: 0, spansPerSec: FIXED_RATE, maxInFlight: 64 } },
    ];
    for (const w of windows) {
      const m = await measureWindow(load, pod, sink, w.start);
      const figures = windowFigures(run, MEMORY_GIB, m.begin, m.end, m.spans, m.rss);
      const point: PointResult = { ...run, load: w.load, figures, loadavg: loadavg().map((x) => Math.round(x * 100) / 100) };
      const host = { image: run.collector === 'upstream' ? node.images.upstream : node.images.project, loadgen: { okSpans: m.stats.okSpans, failedRequests: m.stats.failedRequests, cpuCores: Math.round((m.stats.cpuMs / m.stats.windowMs) * 100) / 100 }, sinkCores: Math.round(m.sinkCores * 100) / 100 };
      console.log(`POINT ${JSON.stringify({ ...point, host })}`);
      await sleep(2000);
    }
  } catch (err) {
    const pods = ns ? await listFleetPods(client, ns, name).catch(() => []) : [];
    const state = pods.map((p) => `${p.name} restarts ${p.restarts} last ${JSON.stringify(p.lastTermination ?? {})}`).join('; ');
    throw new Error(`${name}: ${(err as Error).message} (${state})`);
  } finally {
    load.child.send({ type: 'exit' });
    load.close();
    sink.close();
    await uninstallOperator(node.kubeconfig, operator).catch(() => undefined);
    if (ns) await deleteNamespace(client, ns);
    client.close();
  }
}

/** Runs one configuration in a child process, bounded in time; resolves with its points (none if it failed). */
function runChild(run: PodConfig & { round: number }, timeoutMs: number): Promise<{ points: PointResult[]; error?: string }> {
  return new Promise((resolve) => {
    // TPO_KEEP_NODE: a child that starts the node leaves it running for the next configuration; the parent, whose
    // child started it, stops it at the end (nodeStartedBy looks at the starter's parent too).
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, CORES_POINT: JSON.stringify(run), TPO_KEEP_NODE: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const points: PointResult[] = [];
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith('POINT ')) points.push(JSON.parse(line.slice(6)) as PointResult);
        console.log(line);
      }
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ points, ...(code !== 0 && { error: `exit ${code}` }) });
    });
  });
}

/** SIGINT/SIGTERM end the run after the current configuration. */
let stopping = false;

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { stopping = true; });
  const loadavgBefore = loadavg();
  const points: PointResult[] = [];
  const failures: string[] = [];
  // Other suites share the real node and stop it when the run that started it ends: each configuration starts
  // afresh (the node, the operator) and one that loses its node mid-way is run once more.
  for (const run of planRuns(CPUS, REPEATS)) {
    for (let attempt = 1; attempt <= 2 && !stopping; attempt++) {
      withinDeadline(`${run.collector} ${run.cpu} round ${run.round}`);
      const result = await runChild(run, 8 * 60_000);
      if (result.points.length === 2) {
        points.push(...result.points);
        writeFileSync(PARTIAL, `${JSON.stringify(points)}\n`);
        break;
      }
      failures.push(`${run.collector} ${run.cpu} round ${run.round} attempt ${attempt}: ${result.error ?? 'incomplete'}`);
    }
    if (stopping) break;
  }
  if (process.env['TPO_KEEP_NODE'] !== '1' && (await nodeStartedBy(process.pid))) await stopNode();
  const out = {
    machine: { cpus: cpus().length, loadavgBefore, loadavgAfter: loadavg() },
    settings: { cpus: CPUS, repeats: REPEATS, memoryGiB: MEMORY_GIB, settleSeconds: SETTLE_S, windowSeconds: WINDOW_S, concurrency: CONCURRENCY, fixedRate: FIXED_RATE, spansPerRequest: SPANS_PER_REQUEST },
    summary: summarise(points),
    points,
    failures,
  };
  finishRun(ROOT, 'cores', out, [out.summary.map((row) => JSON.stringify(row)).join('\n')], failures);
}

const point = process.env['CORES_POINT'];
(point ? measureConfig(JSON.parse(point) as PodConfig & { round: number }) : main()).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
