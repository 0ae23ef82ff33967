// Learned capacity on real pods (issue 13, item 6): a fleet without capacityPerReplica on the real node, its
// collectors given a twentieth of a core, under load through the Service's ClusterIP. The operator learns what a span
// costs from the collectors' own CPU time at two load levels; then the test offers 1.5 times what one replica
// carries at 70 %, sees the fleet go to the replica count the learned capacity implies and carry the load, checks
// the learned model against what the kernel accounts to each container's cgroup under that load, and sees the
// fleet come back down once the load stops.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { objectPath, resources } from '../../src/operator/kube/resources.ts';
import { fleetName } from '../../src/operator/render/labels.ts';
import { createPipeline, pipeline, sleep, waitFor } from '../integration/operator-helpers.ts';
import { FleetPods } from '../support/fleet-pods.ts';
import { LoadGenerator } from '../support/load-generator.ts';
import type { Phase } from '../support/load-schedule.ts';
import { describeOnRealNode, fleetClusterIpTarget, podLogs, tracesToSink, useRealFleetEnv } from '../support/real-node.ts';

const describeReal = await describeOnRealNode();

/** The cpuacct cgroup directory of a container (the kubelet's cgroupfs layout: kubepods/<qos>/pod<uid>/<id>). */
async function containerCgroup(containerId: string, dir = '/sys/fs/cgroup/cpuacct/kubepods', depth = 3): Promise<string | undefined> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries.filter((x) => x.isDirectory())) {
    if (e.name === containerId) return join(dir, e.name);
    if (depth > 0) {
      const found = await containerCgroup(containerId, join(dir, e.name), depth - 1);
      if (found) return found;
    }
  }
  return undefined;
}
// The collectors' CPU, from the fit, within this fraction of what the kernel accounts to their cgroups.
const CPU_PREDICTION_TOLERANCE = 0.3;

const NAME = 'learned';
const PERIOD_S = 5;
const STABILIZATION_S = 30;
const TARGET = 0.7;
/** Once learned; one while learning. */
const MAX_REPLICAS = 6;
const CPU_LIMIT = '50m';
const CPU_LIMIT_CORES = 0.05;
/** Each span carries 2 KiB of attributes, exported with gzip: the collector's cost per span is then well above the generator's share. */
const PAYLOAD_BYTES = 2048;

type Capacity = { spansPerSecond?: number; source?: string; cpu?: string; idleCores?: number };
type Autoscaling = { capacity?: Capacity; spansPerSecond?: number; reason?: string };

describeReal('learned capacity on real pods', () => {
  const env = useRealFleetEnv('e2e-learned');

  const autoscaling = async () =>
    ((await env.client.request<KubeObject>('GET', objectPath(resources.pipeline, env.ns, NAME))).status as { autoscaling?: Autoscaling } | undefined)?.autoscaling;
  const replicas = async () =>
    (await env.client.request<{ spec: { replicas: number } }>('GET', objectPath(resources.deployment, env.ns, fleetName(NAME)))).spec.replicas;

  /** On a failed wait: what the operator recorded and the tail of its log (scrape failures show there). */
  async function printOperatorView(what: string, figures: Record<string, unknown>): Promise<void> {
    const log = await podLogs(env.node.kubeconfig, env.ns, `deploy/${env.operator.deployment}`).catch((err: Error) => err.message);
    console.log(`${what}: ${JSON.stringify({ ...figures, autoscaling: await autoscaling().catch(() => undefined) })}\noperator log:\n${log.split('\n').slice(-40).join('\n')}`);
  }

  /**
   * Each Ready collector's CPU time, as the kernel accounts it to the container's cgroup (cpuacct.usage, what the
   * kubelet reports too; the node runs on this host), and the spans it accepted and refused (its self-metrics).
   */
  async function measure(pods: FleetPods): Promise<Map<string, { cpuSeconds: number; spans: number; refused: number }>> {
    const out = new Map<string, { cpuSeconds: number; spans: number; refused: number }>();
    const total = (text: string, name: string) =>
      text.split('\n').filter((l) => l.startsWith(`${name}{`)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    for (const pod of pods.pods.filter((p) => p.ready && p.ip && p.containerId)) {
      const cgroup = await containerCgroup(pod.containerId!.replace(/^containerd:\/\//, ''));
      // A collector limited to a twentieth of a core is throttled while it carries load and can take seconds to answer
      // (a clean-clone run timed out at 5 s): the wait bounds a hang, not a slow pod.
      const text = await fetch(`http://${pod.ip}:8888/metrics`, { signal: AbortSignal.timeout(30_000) }).then((r) => r.text());
      if (cgroup === undefined) continue;
      const usageNs = Number(await readFile(join(cgroup, 'cpuacct.usage'), 'utf8'));
      out.set(pod.name, { cpuSeconds: usageNs / 1e9, spans: total(text, 'otelcol_receiver_accepted_spans'), refused: total(text, 'otelcol_receiver_refused_spans') });
    }
    return out;
  }

  /** Per pod over `seconds`: cores its cgroup used, spans/s it accepted and refused. */
  async function usage(pods: FleetPods, seconds: number): Promise<{ pod: string; cores: number; rate: number; refused: number }[]> {
    const before = await measure(pods);
    await sleep(seconds * 1000);
    const after = await measure(pods);
    return [...after].flatMap(([pod, end]) => {
      const start = before.get(pod);
      return start
        ? [{ pod, cores: (end.cpuSeconds - start.cpuSeconds) / seconds, rate: (end.spans - start.spans) / seconds, refused: end.refused - start.refused }]
        : [];
    });
  }

  test('the capacity learned from the collectors predicts their cgroup CPU, and the fleet scales by it', async () => {
    const spec = tracesToSink(env.sink, {
      receivers: { otlp: { grpc: { maxConnectionAge: '10s' } } },
      // gzip on export: a twentieth of a core then carries a rate the host's load generator reaches.
      exporters: [{ name: 'sink', otlp: { endpoint: env.sink.grpcEndpoint, insecure: true, compression: 'gzip' } }],
      resources: { requests: { cpu: '50m', memory: '256Mi' }, limits: { cpu: CPU_LIMIT, memory: '512Mi' } },
      scaling: { minReplicas: 1, maxReplicas: 1, targetUtilization: TARGET, evaluationPeriodSeconds: PERIOD_S, scaleDownStabilizationSeconds: STABILIZATION_S },
      replicas: 1,
    });
    await createPipeline(env.client, pipeline(env.ns, NAME, spec));
    const pods = await new FleetPods(env.client, env.ns, NAME).start();
    env.cleanup.push(() => pods.stop());
    await waitFor('one collector Ready', async () => pods.readyIps().length === 1, 180_000, 500);
    const target = await fleetClusterIpTarget(env.client, env.ns, NAME);
    const load = (phases: Phase[]) => {
      const generator = new LoadGenerator({
        targets: () => [target],
        schedule: phases,
        maxSpans: 2_000_000,
        payloadBytes: PAYLOAD_BYTES,
        maxInFlightPerTarget: 64,
        seed: 13,
      }).start();
      env.cleanup.push(() => generator.stop());
      return generator;
    };

    // Learn at two load levels, so that the idle baseline and the cost per span part: far enough from idle that the
    // span cost, not the baseline, makes most of the CPU (at 150 and 350 spans/s the fits ranged over 250-3,900
    // spans/s per replica). The higher level is about what one replica carries (this project's machines learned
    // 460-820 spans/s per replica), so the fleet is held at one replica (maxReplicas) while it learns: the step below
    // starts from one.
    const learning = load([{ label: 'low', seconds: 60, from: 300, noise: 0.05 }, { label: 'high', seconds: 60, from: 800, noise: 0.05 }]);
    await learning.done;
    const learned = await waitFor('capacity learned', async () => {
      const capacity = (await autoscaling())?.capacity;
      return capacity?.source === 'Learned' ? capacity : undefined;
    }, 60_000, 1000).catch(async (err: Error) => {
      await printOperatorView('not learned', { load: learning.stats() });
      throw err;
    });
    console.log(`learned at one replica: ${JSON.stringify(learned)}`);
    await env.client.request('PATCH', objectPath(resources.pipeline, env.ns, NAME), {
      body: { spec: { scaling: { maxReplicas: MAX_REPLICAS } } },
      contentType: 'application/merge-patch+json',
    });

    // 1.5 x what one replica carries at target: 2 replicas by the learned capacity.
    const offered = Math.round(1.5 * TARGET * learned.spansPerSecond!);
    const scaling = load([{ label: 'offered', seconds: 200, from: offered, noise: 0.05 }]);
    const seen: number[] = [];
    const up = await waitFor('scaled up', async () => {
      const r = await replicas();
      seen.push(r);
      return r >= 2 && pods.readyIps().length === r ? r : undefined;
    }, 120_000, 1000).catch(async (err: Error) => {
      await printOperatorView('not scaled', { offered, load: scaling.stats() });
      throw err;
    });
    // Under that load, what the model says each pod's rate costs against what its cgroup measured.
    await sleep(20_000);
    const windowStart = scaling.stats();
    const measured = await usage(pods, 40);
    const windowEnd = scaling.stats();
    const inWindow = { acked: windowEnd.acked - windowStart.acked, failed: windowEnd.failed - windowStart.failed };
    const now = (await autoscaling())!.capacity!;
    const cores = CPU_LIMIT_CORES;
    const predicted = (rate: number) => now.idleCores! + ((cores - now.idleCores!) * rate) / now.spansPerSecond!;
    const perPod = measured.map((m) => ({ ...m, predicted: predicted(m.rate) }));
    await scaling.done;
    const stats = scaling.stats();
    const figures = {
      learnedAtOneReplica: learned,
      learnedUnderLoad: now,
      offered,
      replicasLearned: up,
      replicasMax: Math.max(...seen, await replicas()),
      replicasByGuide: Math.ceil(offered / (10_000 * TARGET)),
      perPod,
      acked: stats.acked,
      failed: stats.failed,
      measuredWindow: inWindow,
      reason: (await autoscaling())?.reason,
    };
    console.log(`learned capacity on real pods ${JSON.stringify(figures)}`);

    expect(learned.cpu).toBe(CPU_LIMIT);
    // The collectors' own CPU accounting, fitted, predicts what the kernel accounts to their cgroups.
    const measuredCores = perPod.reduce((sum, p) => sum + p.cores, 0);
    const predictedCores = perPod.reduce((sum, p) => sum + p.predicted, 0);
    expect(Math.abs(predictedCores - measuredCores) / measuredCores).toBeLessThan(CPU_PREDICTION_TOLERANCE);
    expect(figures.replicasMax).toBeGreaterThanOrEqual(2);
    expect(figures.replicasMax).toBeLessThanOrEqual(3);
    // At the learned count the fleet carries the load: no collector refused a span while measured. (The generator's
    // own failed exports are printed, not asserted: it shares one busy process with the sink that decompresses
    // the fleet's gzip exports, and on a loaded host its exports time out while the collectors have CPU to spare.)
    expect(perPod.reduce((sum, p) => sum + p.refused, 0)).toBe(0);

    // Load gone: back to one after the stabilization window.
    await waitFor('back to 1', async () => (await replicas()) === 1, (STABILIZATION_S + 10 * PERIOD_S) * 1000, 1000);
  }, 15 * 60_000);
});
