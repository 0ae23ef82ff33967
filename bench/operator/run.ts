// Operator scale benchmark: BENCH_PIPELINES (1000) TelemetryPipelines of 1 replica, autoscaling off,
// created at once on the local control plane with `tpo operator` running as a child process.
// Measures time until all are Ready, API writes per pipeline to converge, writes per resync once
// converged; writes bench/results/operator.json and prints it.
//   node bench/operator/run.ts
// Environment: BENCH_PIPELINES (1000), BENCH_CONCURRENCY (operator workers, 10), BENCH_RESYNC_S (15),
// BENCH_CREATE_PARALLEL (creates in flight, 50), BENCH_TIMEOUT_S (300), BENCH_KEEP (keep the namespace),
// BENCH_OPERATOR_CHECKOUT (run the operator of another checkout of the repository, to compare two versions).
import { pino } from 'pino';
import { Informer } from '../../src/operator/kube/informer.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { listerWatcher } from '../../src/operator/kube/list-watch.ts';
import { resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import {
  childOperator,
  createNamespace,
  createPipeline,
  deleteNamespace,
  listObjects,
  pipeline,
  sleep,
  statusOf,
  stopChild,
  testCluster,
  waitFor,
  type ChildOperator,
} from '../../test/integration/operator-helpers.ts';
import { summarize } from '../collector/stats.ts';
import { machine, positiveIntEnv, round, writeResult } from './common.ts';
import { benchProcesses, cpuDelta, cpuSnapshotWithMachine as cpuSnapshot, processCpuSeconds } from './process-cpu.ts';

const PIPELINES = positiveIntEnv('BENCH_PIPELINES', 1000);
const CONCURRENCY = positiveIntEnv('BENCH_CONCURRENCY', 10);
const RESYNC_S = positiveIntEnv('BENCH_RESYNC_S', 15);
const CREATE_PARALLEL = positiveIntEnv('BENCH_CREATE_PARALLEL', 50);
const TIMEOUT_MS = positiveIntEnv('BENCH_TIMEOUT_S', 300) * 1000;
const log = pino({ level: 'warn' });
const progress = (msg: string) => process.stderr.write(`[bench:operator] ${msg}\n`);

/** tpo_api_writes_total by resource (leases excluded: renewals are not reconcile work). */
async function writesByResource(op: ChildOperator): Promise<Record<string, number>> {
  const text = await (await fetch(`http://${await op.metricsAddress}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^tpo_api_writes_total\{([^}]*)\} (\d+)$/gm)) {
    const resource = /resource="([^"]*)"/.exec(m[1]!)?.[1] ?? 'unknown';
    if (resource !== 'leases') out[resource] = (out[resource] ?? 0) + Number(m[2]);
  }
  return out;
}
/** Mean API request latency by method, from the operator's histogram. */
async function meanLatencyMs(op: ChildOperator): Promise<Record<string, number>> {
  const text = await (await fetch(`http://${await op.metricsAddress}/metrics`)).text();
  const sums: Record<string, number> = {};
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^tpo_api_request_duration_seconds_(sum|count)\{method="(\w+)"\} ([0-9.e+-]+)$/gm)) {
    if (m[1] === 'sum') sums[m[2]!] = Number(m[3]);
    else out[m[2]!] = Number(m[3]);
  }
  return Object.fromEntries(Object.entries(out).map(([k, n]) => [k, round(((sums[k] ?? 0) / Math.max(1, n)) * 1000)]));
}
/** apiserver_request_duration_seconds sum and count by `VERB resource[/subresource]` (watches excluded). */
async function apiserverLatency(client: KubeClient): Promise<Map<string, { sum: number; count: number }>> {
  const text = await client.request<string>('GET', '/metrics', { text: true });
  const out = new Map<string, { sum: number; count: number }>();
  for (const m of text.matchAll(/^apiserver_request_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (labels['verb'] === 'WATCH' || labels['verb'] === 'CONNECT') continue;
    const key = `${labels['verb']} ${labels['resource']}${labels['subresource'] ? `/${labels['subresource']}` : ''}`;
    const entry = out.get(key) ?? { sum: 0, count: 0 };
    if (m[1] === 'sum') entry.sum += Number(m[3]);
    else entry.count += Number(m[3]);
    out.set(key, entry);
  }
  return out;
}

/** The busiest request kinds between two snapshots: count and mean server-side latency. */
function latencyDelta(before: Map<string, { sum: number; count: number }>, after: Map<string, { sum: number; count: number }>, top = 15) {
  return [...after]
    .map(([key, a]) => {
      const b = before.get(key) ?? { sum: 0, count: 0 };
      return { key, count: a.count - b.count, seconds: a.sum - b.sum };
    })
    .filter((r) => r.count > 0)
    .sort((x, y) => y.seconds - x.seconds)
    .slice(0, top)
    .map((r) => ({ request: r.key, count: r.count, meanMs: round((r.seconds / r.count) * 1000, 1), totalSeconds: round(r.seconds, 1) }));
}

/** The processes' total, and what the rest of the machine used (`machine` is all busy CPU, steal included). */
const withTotal = ({ machine, steal, ...procs }: Record<string, number>) => {
  const total = round(Object.values(procs).reduce((a, b) => a + b, 0));
  return { ...procs, total, ...(machine !== undefined ? { others: round(machine - total), machine, steal } : {}) };
};
const total = (w: Record<string, number>) => Object.values(w).reduce((a, b) => a + b, 0);
const perPipeline = (w: Record<string, number>) => Object.fromEntries(Object.entries(w).map(([k, v]) => [k, round(v / PIPELINES, 3)]));

/** CPU seconds (user + system) of a live process, from /proc. */
const cpuSeconds = (pid: number): number => processCpuSeconds(pid) ?? 0;

type Pod = KubeObject & { status?: { phase?: string } };

const isReady = (p: KubeObject) =>
  statusOf(p).observedGeneration === p.metadata.generation && statusOf(p).conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

async function main(): Promise<void> {
  const cluster = await testCluster();
  const { client, kubeconfig } = cluster;
  const ns = await createNamespace(client, 'bench-operator');
  progress(`namespace ${ns}: starting the operator`);
  // Info level: the metrics address is read from the operator's "operator listening" log line.
  const operatorArgs = ['--concurrency', String(CONCURRENCY), '--resync', String(RESYNC_S), '--log-level', 'info'];
  const op = childOperator(kubeconfig, ns, operatorArgs, process.env['BENCH_OPERATOR_CHECKOUT'] || undefined);
  const cleanup = async () => {
    await stopChild(op);
    if (!process.env['BENCH_KEEP']) await deleteNamespace(client, ns);
    client.close();
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup().finally(() => process.exit(130)));
  try {
    await op.metricsAddress;
    await waitFor('operator ready', async () => (await fetch(`http://${await op.metricsAddress}/readyz`).catch(() => undefined))?.ok);

    // The bench's own informer records when each pipeline first reports Ready.
    const createdAt = new Map<string, number>();
    const readyAt = new Map<string, number>();
    const watcher = new Informer<KubeObject>({ name: 'bench-pipelines', log, lw: listerWatcher(client, resources.pipeline, { namespace: ns }) });
    const observe = (p: KubeObject) => {
      if (!readyAt.has(p.metadata.name) && isReady(p)) readyAt.set(p.metadata.name, performance.now());
    };
    watcher.on({ add: observe, update: observe });
    // Pods too, to see where the time goes: the operator's first pass, the controllers, or status.
    const podWatcher = new Informer<Pod>({ name: 'bench-pods', log, lw: listerWatcher(client, resources.pod, { namespace: ns }) });
    watcher.start();
    podWatcher.start();
    await Promise.all([watcher.waitForSync(), podWatcher.waitForSync()]);
    // CPU seconds per process (control plane, operator, this bench) from here on: the machine is CPU-bound.
    const cpuPids = await benchProcesses({ operator: op.process.pid, bench: process.pid });
    const cpuAtStart = cpuSnapshot(cpuPids);
    let cpuLast = cpuAtStart;
    const t0 = performance.now();
    const timeline: { s: number; writes: Record<string, number>; podsRunning: number; ready: number; cpuSeconds: Record<string, number> }[] = [];
    const sampler = setInterval(() => {
      const cpuNow = cpuSnapshot(cpuPids);
      const cpuSeconds = cpuDelta(cpuLast, cpuNow);
      cpuLast = cpuNow;
      void writesByResource(op).then((writes) => {
        const podsRunning = [...podWatcher.store.values()].filter((p) => p.status?.phase === 'Running').length;
        const sample = { s: round((performance.now() - t0) / 1000, 1), writes, podsRunning, ready: readyAt.size, cpuSeconds };
        timeline.push(sample);
        progress(`${sample.s}s: ${total(writes)} writes, ${podsRunning} pods Running, ${sample.ready} pipelines Ready`);
      });
    }, 5000);

    const cpuBefore = cpuSeconds(op.process.pid!);
    const serverBefore = await apiserverLatency(client);
    const names = Array.from({ length: PIPELINES }, (_, i) => `bench-${i}`);
    let next = 0;
    await Promise.all(
      Array.from({ length: CREATE_PARALLEL }, async () => {
        while (next < names.length) {
          const name = names[next++]!;
          createdAt.set(name, performance.now());
          await createPipeline(client, pipeline(ns, name));
        }
      }),
    );
    const createdMs = performance.now() - t0;
    progress(`created ${PIPELINES} pipelines in ${round(createdMs / 1000)}s; waiting for Ready`);
    await waitFor('all Ready', async () => readyAt.size === PIPELINES, TIMEOUT_MS, 100);
    const allReadyMs = Math.max(...readyAt.values()) - t0;
    const cpuAtReady = cpuSnapshot(cpuPids);
    const latencies = names.map((n) => readyAt.get(n)! - createdAt.get(n)!);
    progress(`all Ready after ${round(allReadyMs / 1000)}s; waiting for writes to settle`);

    // Converged = no write for a few seconds (trailing event writes included).
    let converged = await writesByResource(op);
    for (;;) {
      await sleep(3000);
      const now = await writesByResource(op);
      if (total(now) === total(converged)) break;
      converged = now;
    }
    const cpuConverge = cpuSeconds(op.process.pid!) - cpuBefore;
    const cpuAtConverged = cpuSnapshot(cpuPids);
    const serverRequests = latencyDelta(serverBefore, await apiserverLatency(client));
    const latencyMs = await meanLatencyMs(op);

    progress(`converged with ${total(converged)} writes; measuring two resync periods`);
    // Two full resync periods once converged.
    const reconciles = () => op.metric('tpo_reconcile_total');
    const r0 = await reconciles();
    await sleep(2 * RESYNC_S * 1000 + 2000);
    const resyncWrites = total(await writesByResource(op)) - total(converged);
    const resyncReconciles = (await reconciles()) - r0;
    const resyncs = resyncReconciles / PIPELINES;
    clearInterval(sampler);
    const pods = await listObjects<Pod>(client, resources.pod, ns);
    await Promise.all([watcher.stop(), podWatcher.stop()]);

    const result = {
      benchmark: 'operator',
      startedAt: new Date().toISOString(),
      machine: machine(),
      config: { pipelines: PIPELINES, replicasEach: 1, autoscaling: false, operatorConcurrency: CONCURRENCY, resyncSeconds: RESYNC_S, createParallel: CREATE_PARALLEL },
      createSeconds: round(createdMs / 1000),
      allReadySeconds: round(allReadyMs / 1000),
      timeToReadySeconds: Object.fromEntries(Object.entries(summarize(latencies)).filter(([k]) => k !== 'count').map(([k, ms]) => [k, round(ms / 1000)])),
      podsRunning: pods.filter((p) => p.status?.phase === 'Running').length,
      writesToConverge: total(converged),
      writesPerPipelineToConverge: round(total(converged) / PIPELINES, 3),
      writesPerPipelineByResource: perPipeline(converged),
      writesPerPipelineWithoutEvents: round((total(converged) - (converged['events'] ?? 0)) / PIPELINES, 3),
      operatorCpuSecondsToConverge: round(cpuConverge),
      // Per process, from the first create until all were Ready, and until converged (no write for 3 s); `others` is
      // the rest of the machine (whoever else shares it), `steal` the hypervisor's share.
      cpuSecondsToReady: withTotal(cpuDelta(cpuAtStart, cpuAtReady)),
      cpuSecondsToConverge: withTotal(cpuDelta(cpuAtStart, cpuAtConverged)),
      apiRequestMeanMs: latencyMs,
      resync: { periods: round(resyncs, 2), reconciles: resyncReconciles, writes: resyncWrites, writesPerResync: resyncs > 0 ? round(resyncWrites / resyncs, 3) : null },
      apiserverRequestsToConverge: serverRequests,
      timeline,
      targets: { allReadySeconds: 60, writesPerPipelineToConverge: 6, writesPerResync: 0 },
    };
    writeResult('operator', result);
  } finally {
    await cleanup();
  }
}

await main();
