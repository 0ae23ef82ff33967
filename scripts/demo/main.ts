// `npm run demo`: the whole product on one machine. Picks a cluster (the current context when it answers
// and is a local control plane, else the one of test/cluster, started when needed: cluster.ts), installs
// the CRDs, runs the operator, applies the demo TelemetryPipeline exporting to a local OTLP sink, runs
// the fleet's collectors as real processes on the pods' loopback IPs (process runtime), drives a load
// ramp with the OpenTelemetry JS exporter and shows a live view. At the end it writes an SVG chart of
// load and replicas over time and checks that every acknowledged span reached the sink exactly once.
//
// Ctrl-C stops everything the demo started: load, collectors, the demo namespace, the operator, the sink,
// and the local control plane if the demo started it (a control plane that was already running stays;
// --keep-cluster keeps one the demo started).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { collectionPath, objectPath, resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { stopCluster } from '../../test/cluster/harness.ts';
import { REPO_ROOT } from '../../test/cluster/layout.ts';
import { FleetSampler, replicaSteps } from '../../test/support/fleet-sampler.ts';
import { LoadGenerator } from '../../test/support/load-generator.ts';
import { scheduleSeconds } from '../../test/support/load-schedule.ts';
import { OtlpSink } from '../../test/support/otlp-sink.ts';
import { ProcessRuntime } from '../../test/support/process-runtime.ts';
import { checkDelivery } from '../../test/support/span-ids.ts';
import { renderChart } from './chart.ts';
import { chooseCluster, installCrds, type DemoCluster } from './cluster.ts';
import { startLocalOperator } from './operator.ts';
import { demoSchedule, parseDemoArgs, PEAK_SPANS_PER_SECOND, USAGE, type DemoOptions } from './options.ts';
import { frame, line, redraw } from './view.ts';

const PIPELINE = 'demo';
const SAMPLE = join(REPO_ROOT, 'manifests/samples/demo.yaml');

type Cleanup = { what: string; run: () => Promise<unknown> };

const out = process.stdout;
const tty = out.isTTY === true;
const say = (text: string) => out.write(`${tty ? '\u001b[36m›\u001b[0m' : '>'} ${text}\n`);
const cleanups: Cleanup[] = [];
/** Ctrl-C (or SIGTERM): the run stops at its next step and everything registered is cleaned up. */
const interrupt = new AbortController();
const interrupted = new Promise<void>((resolve) => interrupt.signal.addEventListener('abort', () => resolve(), { once: true }));

class Interrupted extends Error {}

/** Between steps: stop here when interrupted. */
function checkpoint(): void {
  if (interrupt.signal.aborted) throw new Interrupted('interrupted');
}

/** Runs the registered cleanups, newest first; each failure is reported and the rest still run. */
async function cleanUp(): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c.run();
    } catch (err) {
      process.stderr.write(`cleanup (${c.what}) failed: ${(err as Error).message}\n`);
    }
  }
}

function onInterrupt(): void {
  if (interrupt.signal.aborted) {
    process.stderr.write('\ninterrupted again: exiting without waiting\n');
    process.exit(130);
  }
  process.stderr.write('\ninterrupted: stopping what the demo started (Ctrl-C again to exit at once)\n');
  interrupt.abort();
}

/** The sample with the demo's namespace and the exporter pointed at the local sink. */
function demoPipeline(namespace: string, sinkEndpoint: string): KubeObject {
  const obj = parse(readFileSync(SAMPLE, 'utf8')) as KubeObject & { spec: { exporters: { otlp: { endpoint: string } }[] } };
  obj.metadata.namespace = namespace;
  obj.spec.exporters[0]!.otlp.endpoint = sinkEndpoint;
  return obj;
}

function perReplicaOf(pipeline: KubeObject): number {
  const scaling = (pipeline.spec as { scaling: { capacityPerReplica: { spansPerSecond: number }; targetUtilization: number } }).scaling;
  return scaling.capacityPerReplica.spansPerSecond * scaling.targetUtilization;
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    checkpoint();
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function run(opts: DemoOptions): Promise<void> {
  const outDir = resolve(opts.outDir ?? join(REPO_ROOT, '.demo'));
  const runDir = join(outDir, `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(runDir, { recursive: true });

  const cluster: DemoCluster = await chooseCluster(opts.kubeconfig, say);
  const { client } = cluster;
  if (cluster.startedByDemo && !opts.keepCluster) cleanups.push({ what: 'local control plane', run: () => stopCluster().then(() => say('local control plane stopped')) });
  cleanups.push({ what: 'API client', run: async () => client.close() });
  checkpoint();
  say(`cluster: ${cluster.description}`);
  say(`CRDs installed: ${(await installCrds(client)).join(', ')}`);
  checkpoint();

  const namespace = `tpo-demo-${randomBytes(3).toString('hex')}`;
  await client.request('POST', collectionPath(resources.namespace), { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
  cleanups.push({ what: 'namespace', run: () => client.request('DELETE', objectPath(resources.namespace, undefined, namespace)).then(() => say(`namespace ${namespace} deleted`)) });

  const operator = await startLocalOperator(cluster.kubeconfig, namespace, join(runDir, 'operator.log'));
  cleanups.push({ what: 'operator', run: () => operator.stop().then((code) => say(`operator stopped (exit ${code})`)) });
  say(`operator running (pid ${operator.pid}, log ${join(runDir, 'operator.log')})`);
  checkpoint();

  const sink = await OtlpSink.start();
  cleanups.push({ what: 'sink', run: () => sink.stop() });
  const runtime = new ProcessRuntime({ kubeconfig: cluster.kubeconfig, namespace, maxProcesses: 10, workDir: join(runDir, 'collectors') });
  await runtime.start();
  cleanups.push({ what: 'collectors', run: () => runtime.stop().then(() => say('collectors stopped (drained)')) });
  say(`OTLP sink on ${sink.grpcEndpoint}; collector processes log under ${runtime.workDir}`);
  checkpoint();

  const pipeline = demoPipeline(namespace, sink.grpcEndpoint);
  await client.request('POST', collectionPath(resources.pipeline, namespace), { body: pipeline });
  const perReplica = perReplicaOf(pipeline);
  say(`TelemetryPipeline ${namespace}/${PIPELINE} applied (${SAMPLE.slice(REPO_ROOT.length + 1)}, exporter -> ${sink.grpcEndpoint})`);
  const serving = () => runtime.servingIps({ namespace, pipeline: PIPELINE });
  await waitUntil('the first collector', () => serving().length > 0, 60_000);

  const schedule = demoSchedule(opts.durationSeconds);
  const total = scheduleSeconds(schedule);
  const load = new LoadGenerator({
    targets: () => serving().map((ip) => `${ip}:4317`),
    schedule,
    maxSpans: Math.ceil(PEAK_SPANS_PER_SECOND * 1.2 * total),
    recordIds: true,
  });
  cleanups.push({ what: 'load generator', run: () => load.stop() });
  say(`load: ${schedule.map((p) => `${p.label} ${p.seconds}s`).join(', ')}; peak ${PEAK_SPANS_PER_SECOND} spans/s, ${perReplica} per replica\n`);

  const ctx = { title: `Telemetry Pipeline Operator demo: ${namespace}/${PIPELINE}`, totalSeconds: total, perReplica, color: tty };
  let height = 0;
  let lastPrinted = -Infinity;
  let lastReplicas: number | undefined;
  const sampler = new FleetSampler({
    client, namespace, pipeline: PIPELINE, load: () => load, serving, intervalMs: 500,
    onSample: (sample) => {
      if (tty) {
        const lines = frame(sample, ctx);
        out.write(redraw(lines, height, out.columns ?? 100));
        height = lines.length;
        return;
      }
      const changed = sample.replicas !== lastReplicas;
      lastReplicas = sample.replicas;
      if (changed || sample.t - lastPrinted >= 5) {
        out.write(`${line(sample, ctx)}\n`);
        lastPrinted = sample.t;
      }
    },
  });
  load.start();
  sampler.start();
  cleanups.push({ what: 'sampler', run: () => sampler.stop() });

  await Promise.race([load.done, interrupted]);
  checkpoint();
  // The idle phase normally covers the scale-down window; give the fleet a little longer if it needs it.
  await waitUntil('scale-down to minReplicas', () => sampler.latest?.replicas === 1, 30_000).catch((err: unknown) => {
    if (err instanceof Interrupted) throw err;
    say('the fleet had not scaled down to 1 replica yet');
  });
  await sampler.stop();
  const stats = load.stats();
  await sink.waitForItems(stats.acked, 'traces', 30_000).catch(() => undefined);
  const delivery = checkDelivery(load.ackedIds, sink);

  const chartFile = join(runDir, 'demo-chart.svg');
  writeFileSync(chartFile, renderChart(sampler.samples, { title: `${namespace}/${PIPELINE}: load and replicas over time`, perReplica }));
  writeFileSync(join(runDir, 'samples.json'), JSON.stringify(sampler.samples));
  const steps = replicaSteps(sampler.samples.map((s) => ({ ...s, t: s.load?.elapsed ?? s.t })));
  out.write('\n');
  say(`replicas over time (s, replicas): ${steps.map(([t, r]) => `${t}s:${r}`).join('  ')}`);
  say(`spans: ${stats.acked} acknowledged, ${stats.failed} failed; sink received ${delivery.received}, missing ${delivery.missing}, duplicated ${delivery.duplicated}`);
  say(`chart: ${chartFile}`);
  if (delivery.missing > 0 || delivery.duplicated > 0) process.exitCode = 1;
}

async function main(): Promise<void> {
  let opts: DemoOptions;
  try {
    opts = parseDemoArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (opts.help) {
    out.write(USAGE);
    return;
  }
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  process.on('SIGHUP', onInterrupt);
  try {
    await run(opts);
  } catch (err) {
    if (!(err instanceof Interrupted)) process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await cleanUp();
  }
  // Exporters and clients may keep sockets open a little longer; the demo is done.
  process.exit(interrupt.signal.aborted ? 130 : (process.exitCode ?? 0));
}

await main();
