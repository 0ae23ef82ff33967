// `npm run demo`: the whole product on one machine. Says first which runtime it uses and why (runtime.ts): the
// real node where this machine can run it, else the process runtime. Picks the cluster (cluster.ts), installs the
// CRDs, sets up the runtime's operator, OTLP sink and collectors (real-fleet.ts: the Helm chart and containers on
// the real node; process-fleet.ts: local processes for KWOK pods), applies manifests/samples/demo.yaml exporting
// to the sink, drives a load ramp with the official OpenTelemetry JS exporter and shows a live view. At the end it
// writes an SVG chart of load and replicas over time and checks that every acknowledged span reached the sink
// exactly once.
//
// Ctrl-C stops everything the demo started (session.ts): load, sink, operator, collectors, the demo namespace, and
// the real node and local control plane if the demo started them (--keep-cluster keeps them).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { collectionPath, objectPath, resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { realNodeUnavailableReason, stopCluster, stopNode } from '../../test/cluster/harness.ts';
import { REPO_ROOT } from '../../test/cluster/layout.ts';
import { FleetSampler, replicaSteps } from '../../test/support/fleet-sampler.ts';
import { LoadGenerator } from '../../test/support/load-generator.ts';
import { scheduleSeconds } from '../../test/support/load-schedule.ts';
import { checkDelivery } from '../../test/support/span-ids.ts';
import { renderChart } from './chart.ts';
import { chooseCluster, installCrds } from './cluster.ts';
import { demoSchedule, parseDemoArgs, PEAK_SPANS_PER_SECOND, USAGE, type DemoOptions } from './options.ts';
import { startProcessFleet } from './process-fleet.ts';
import { startRealFleet } from './real-fleet.ts';
import { chooseRuntime, RuntimeUnavailable, type RuntimeChoice } from './runtime.ts';
import { DemoSession, Interrupted } from './session.ts';
import { frame, line, redraw } from './view.ts';

const PIPELINE = 'demo';
const SAMPLE = join(REPO_ROOT, 'manifests/samples/demo.yaml');

/** The sample in the demo's namespace with the exporter pointed at the demo's sink. */
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

async function run(opts: DemoOptions, choice: RuntimeChoice, session: DemoSession): Promise<void> {
  const say = (text: string) => session.say(text);
  const { out, tty } = session;
  const outDir = resolve(opts.outDir ?? join(REPO_ROOT, '.demo'));
  const runDir = join(outDir, `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(runDir, { recursive: true });

  const keepNode = opts.keepCluster || process.env['TPO_KEEP_NODE'] === '1';
  const cluster = await chooseCluster(choice.runtime, opts.kubeconfig, say);
  const { client } = cluster;
  if (cluster.startedByDemo && !opts.keepCluster) session.track('local control plane', () => stopCluster().then(() => say('local control plane stopped')));
  if (cluster.realNode?.startedByDemo && !keepNode) session.track('real node', () => stopNode().then(() => say('real node stopped, host restored')));
  session.track('API client', async () => client.close());
  session.checkpoint();
  say(`cluster: ${cluster.description}`);
  say(`CRDs installed: ${(await installCrds(client)).join(', ')}`);
  session.checkpoint();

  const namespace = `tpo-demo-${randomBytes(3).toString('hex')}`;
  await client.request('POST', collectionPath(resources.namespace), { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
  session.track('namespace', () => client.request('DELETE', objectPath(resources.namespace, undefined, namespace)).then(() => say(`namespace ${namespace} deleted`)));

  const context = { session, cluster, namespace, pipeline: PIPELINE, runDir };
  const fleet = await (choice.runtime === 'real' ? startRealFleet(context) : startProcessFleet(context));
  session.checkpoint();

  const pipeline = fleet.place(demoPipeline(namespace, fleet.sink.grpcEndpoint));
  await client.request('POST', collectionPath(resources.pipeline, namespace), { body: pipeline });
  const perReplica = perReplicaOf(pipeline);
  say(`TelemetryPipeline ${namespace}/${PIPELINE} applied (${SAMPLE.slice(REPO_ROOT.length + 1)}, exporter -> ${fleet.sink.grpcEndpoint})`);
  const { targets, via } = await fleet.serve();

  const schedule = demoSchedule(opts.durationSeconds);
  const total = scheduleSeconds(schedule);
  const load = new LoadGenerator({
    targets,
    schedule,
    maxSpans: Math.ceil(PEAK_SPANS_PER_SECOND * 1.2 * total),
    recordIds: true,
    ...(fleet.maxInFlightPerTarget === undefined ? {} : { maxInFlightPerTarget: fleet.maxInFlightPerTarget }),
  });
  session.track('load generator', () => load.stop());
  say(`load ${via}: ${schedule.map((p) => `${p.label} ${p.seconds}s`).join(', ')}; peak ${PEAK_SPANS_PER_SECOND} spans/s, ${perReplica} per replica\n`);

  const ctx = { title: `Telemetry Pipeline Operator demo (${choice.runtime === 'real' ? 'real node' : 'process runtime'}): ${namespace}/${PIPELINE}`, totalSeconds: total, perReplica, color: tty };
  let height = 0;
  let lastPrinted = -Infinity;
  let lastReplicas: number | undefined;
  const sampler = new FleetSampler({
    client, namespace, pipeline: PIPELINE, load: () => load, serving: fleet.serving, intervalMs: 500,
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
  session.track('sampler', () => sampler.stop());

  await Promise.race([load.done, session.interrupted]);
  session.checkpoint();
  // The idle phase normally covers the scale-down window; give the fleet a little longer if it needs it.
  await session.waitUntil('scale-down to minReplicas', () => sampler.latest?.replicas === 1, 30_000).catch((err: unknown) => {
    if (err instanceof Interrupted) throw err;
    say('the fleet had not scaled down to 1 replica yet');
  });
  await sampler.stop();
  const stats = load.stats();
  await fleet.sink.waitForItems(stats.acked, 'traces', 30_000).catch(() => undefined);
  const delivery = checkDelivery(load.ackedIds, fleet.sink);

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
    process.stdout.write(USAGE);
    return;
  }
  let choice: RuntimeChoice;
  try {
    choice = chooseRuntime(opts.runtime, await realNodeUnavailableReason());
  } catch (err) {
    if (!(err instanceof RuntimeUnavailable)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 2;
    return;
  }
  const session = new DemoSession();
  session.say(choice.headline);
  session.handleSignals();
  try {
    await run(opts, choice, session);
  } catch (err) {
    if (!(err instanceof Interrupted)) process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await session.cleanUp();
  }
  // Exporters and clients may keep sockets open a little longer; the demo is done.
  process.exit(session.aborted ? 130 : (process.exitCode ?? 0));
}

await main();
