// Faults on the real node (issue 9), with the operator from the chart as a pod and load from the official
// OpenTelemetry JS exporter on the host through each fleet's ClusterIP (the structure of real-fleet.test.ts):
// - a collector container killed with SIGKILL from the host under load: the kubelet restarts it, the fleet serves
//   again, and the acknowledged spans that never reached the sink are at most what that collector held;
// - a collector OOM-killed because its memory_limiter leaves the process no room inside a too-small container:
//   the kubelet reports OOMKilled, raising the limit on the TelemetryPipeline recovers the fleet, and the loss is
//   bounded by what the killed collector had taken in;
// - the operator pod deleted while it reconciles (gracefully right after a create; killed and force-deleted during a
//   scale-up with a config rollout): a successor takes the Lease and converges without a second rollout.
import { collectionPath, objectPath, resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { ANNOTATION_CONFIG_HASH, fleetName, selectorString } from '../../src/operator/render/labels.ts';
import { METRICS_PORT } from '../../src/operator/render/defaults.ts';
import { REAL_NODE_IP } from '../cluster/addresses.ts';
import { createPipeline, mergePatch, pipeline, statusOf, waitFor, waitReady } from '../integration/operator-helpers.ts';
import { sumMetric } from '../support/collector-process.ts';
import { FleetPods } from '../support/fleet-pods.ts';
import { LoadGenerator } from '../support/load-generator.ts';
import { killContainer } from '../support/node-containers.ts';
import { OtlpSink } from '../support/otlp-sink.ts';
import { describeOnRealNode, fleetClusterIpTarget, podLogs, tracesToSink, useRealFleetEnv } from '../support/real-node.ts';
import { checkDelivery, spanIdCounts } from '../support/span-ids.ts';

const describeReal = await describeOnRealNode();

/** Spans per second of the SIGKILL and OOM runs: one fleet's worth, light enough for a shared 2-core machine. */
const RATE = 400;
const OOM_RATE = 1000;
/** Bytes of payload per span of the OOM run, so that a stalled backend fills the collector's memory in seconds. */
const OOM_PAYLOAD = 1024;
const MIB = 1024 * 1024;
/** The OOM fleet's container: the smallest limit the operator accepts with memoryLimiter 95/0 % (a 64 MiB heap). */
const OOM_LIMIT_MIB = 69;
/** Collectors of the SIGKILL and operator runs: small requests, so the fleets fit beside the other suites'. */
const SMALL = { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } };

type Deployment = KubeObject & {
  spec: { replicas?: number; template: { metadata?: { annotations?: Record<string, string> }; spec: { containers: { resources?: { limits?: { memory?: string } } }[] } } };
  status?: { readyReplicas?: number; updatedReplicas?: number; replicas?: number };
};
type ReplicaSet = KubeObject & { spec?: { replicas?: number } };
type Lease = { spec?: { holderIdentity?: string; leaseTransitions?: number } };

/** The collector's own counters for the spans it took in and what became of them. */
async function collectorCounts(ip: string) {
  const text = await fetch(`http://${ip}:${METRICS_PORT}/metrics`, { signal: AbortSignal.timeout(3000) }).then((r) => r.text());
  const n = (name: string) => sumMetric(text, name);
  const accepted = n('otelcol_receiver_accepted_spans');
  const sent = n('otelcol_exporter_sent_spans');
  const failed = n('otelcol_exporter_send_failed_spans') + n('otelcol_exporter_enqueue_failed_spans');
  /** Acknowledged to clients and not yet sent on: in the batch, the sending queue or an export in flight. */
  return { accepted, sent, failed, held: accepted - sent - failed, queueBatches: n('otelcol_exporter_queue_size') };
}

/** Positions (in acknowledgement order) of the acknowledged spans the sink never got. */
function missingPositions(acked: ReadonlySet<string>, sink: OtlpSink): number[] {
  const received = spanIdCounts(sink);
  const out: number[] = [];
  let i = 0;
  for (const id of acked) {
    if (!received.has(id)) out.push(i);
    i++;
  }
  return out;
}

/** Encoded bytes per span the sink received (export request bodies over their spans). */
function bytesPerSpan(sink: OtlpSink): number {
  const traces = sink.requests.filter((r) => r.signal === 'traces');
  return traces.reduce((s, r) => s + r.body.length, 0) / Math.max(1, traces.reduce((s, r) => s + r.items, 0));
}

/** Waits until the sink has every acknowledged span or has received nothing new for 3 s (bounded). */
async function settled(sink: OtlpSink, acked: number): Promise<void> {
  let last = -1;
  let quietSince = performance.now();
  await waitFor('the sink settled', async () => {
    const items = sink.items('traces');
    if (items !== last) [last, quietSince] = [items, performance.now()];
    return items >= acked || performance.now() - quietSince >= 3000;
  }, 60_000, 250).catch(() => undefined);
}

const seconds = (fromMs: number) => Math.round((performance.now() - fromMs) / 100) / 10;

describeReal('faults on the real node', () => {
  const env = useRealFleetEnv('e2e-faults');
  let oomSink: OtlpSink | undefined;
  const loads: LoadGenerator[] = [];
  const watchers: FleetPods[] = [];
  beforeAll(async () => {
    oomSink = await OtlpSink.start({ host: REAL_NODE_IP });
    env.cleanup.push(() => oomSink?.stop(), () => Promise.all(loads.map((l) => l.stop())), () => watchers.forEach((w) => w.stop()));
  });

  const watch = async (name: string) => {
    const pods = await new FleetPods(env.client, env.ns, name).start();
    watchers.push(pods);
    return pods;
  };
  const startLoad = (target: string, rate: number, maxSeconds: number, payloadBytes?: number) => {
    const load = new LoadGenerator({
      targets: () => [target], schedule: [{ label: 'steady', seconds: maxSeconds, from: rate }], maxSpans: rate * maxSeconds,
      maxSeconds, recordIds: true, seed: 9, maxInFlightPerTarget: 64, payloadBytes,
    }).start();
    loads.push(load);
    return load;
  };
  const fleetDeployment = (name: string) => env.client.request<Deployment>('GET', objectPath(resources.deployment, env.ns, fleetName(name)));
  const replicaSets = async (name: string) =>
    (await env.client.request<{ items: ReplicaSet[] }>('GET', `/apis/apps/v1/namespaces/${env.ns}/replicasets`, { query: { labelSelector: selectorString(name) } })).items;
  const lease = () => env.client.request<Lease>('GET', objectPath(resources.lease, env.ns, 'telemetry-pipeline-operator'));

  test('a collector SIGKILLed under load restarts; the loss is at most what it held, failures reach the client', async () => {
    const NAME = 'kill';
    await createPipeline(env.client, pipeline(env.ns, NAME, tracesToSink(env.sink, {
      receivers: { otlp: { grpc: { maxConnectionAge: '10s' } } },
      resources: SMALL,
      replicas: 2,
    })));
    const pods = await watch(NAME);
    await waitFor('two collectors Ready', async () => pods.readyIps().length === 2, 180_000, 500);
    const load = startLoad(await fleetClusterIpTarget(env.client, env.ns, NAME), RATE, 60);
    await waitFor('load acknowledged', async () => load.stats().acked >= RATE * 5, 60_000, 200);

    // The victim is the collector the client's connection is on now (one connection through the ClusterIP).
    const ready = pods.pods.filter((p) => p.ready && !p.terminating);
    const first = await Promise.all(ready.map((p) => collectorCounts(p.ip!)));
    await new Promise((r) => setTimeout(r, 1000));
    const second = await Promise.all(ready.map((p) => collectorCounts(p.ip!)));
    const busiest = second.map((c, i) => c.accepted - first[i]!.accepted).reduce((best, d, i, all) => (d > all[best]! ? i : best), 0);
    const victim = ready[busiest]!;
    const before = await collectorCounts(victim.ip!);
    const killedAt = performance.now();
    const pid = await killContainer(env.node.node.containerdSocket, victim.containerId!);
    const scrapeToKillMs = Math.round(performance.now() - killedAt);
    const atKill = load.stats();

    const restarted = await waitFor('the kubelet restarts the container', async () => {
      const p = pods.pods.find((x) => x.name === victim.name);
      return p && p.restarts === victim.restarts + 1 ? p : undefined;
    }, 120_000, 250);
    const restartS = seconds(killedAt);
    await waitFor('both collectors Ready again', async () => pods.readyIps().length === 2 && pods.pods.find((x) => x.name === victim.name)?.ready, 120_000, 250);
    const readyS = seconds(killedAt);
    const ackedAtReady = load.stats().acked;
    await waitFor('load acknowledged again', async () => load.stats().acked >= ackedAtReady + RATE * 5, 60_000, 200);
    await load.done;
    const stats = load.stats();
    await settled(env.sink, stats.acked);
    const delivery = checkDelivery(load.ackedIds, env.sink);
    const after = await collectorCounts(pods.pods.find((x) => x.name === victim.name)!.ip!).catch(() => undefined);
    // What the victim may have taken in between its last scrape and the kill: the whole load's rate, plus a second.
    const bound = before.held + Math.ceil(RATE * (scrapeToKillMs / 1000 + 1));
    console.log(JSON.stringify({
      sigkill: {
        pod: victim.name, pid, restartedAfterS: restartS, readyAgainAfterS: readyS, lastTermination: restarted.lastTermination,
        victimBeforeKill: before, scrapeToKillMs, victimAcceptedAfterRestart: after?.accepted,
        load: { generated: stats.generated, acked: stats.acked, failed: stats.failed, backlogged: stats.backlogged, ackedAtKill: atKill.acked, failedAtKill: atKill.failed },
        delivery, lostBound: bound,
      },
    }, null, 1));

    expect(restarted.restarts).toBe(victim.restarts + 1);
    expect(restarted.lastTermination).toMatchObject({ exitCode: 137 });
    expect(restarted.containerId).not.toBe(victim.containerId);
    // Every export settled and was reported to the client, acknowledged or failed.
    expect(stats.generated).toBe(stats.acked + stats.failed);
    expect(stats.acked).toBeGreaterThan(ackedAtReady);
    // Lost: acknowledged spans the sink never got; only what the killed collector held in memory.
    expect(delivery.acked).toBe(stats.acked);
    expect(delivery.missing).toBeLessThanOrEqual(bound);
    expect(delivery.duplicated).toBe(0);
  }, 8 * 60_000);

  test('a collector OOM-killed in a too-small container recovers once the limit is raised', async () => {
    const NAME = 'oom';
    // memoryLimiter 95 % of 69Mi without spike allowance: limit_mib 65 leaves ~4 MiB for what the limiter does not
    // count (code, stacks, the allocator: the idle collector's RSS is ~54 MB), so the kernel kills the process long
    // before the limiter refuses anything.
    await createPipeline(env.client, pipeline(env.ns, NAME, tracesToSink(oomSink!, {
      resources: { requests: { cpu: '50m', memory: `${OOM_LIMIT_MIB}Mi` }, limits: { cpu: '1', memory: `${OOM_LIMIT_MIB}Mi` } },
      memoryLimiter: { limitPercent: 95, spikePercent: 0 },
      replicas: 1,
    })));
    const pods = await watch(NAME);
    await waitFor('the collector Ready', async () => pods.readyIps().length === 1, 180_000, 500);
    const [small] = pods.pods.filter((p) => p.ready);
    const configured = (await podLogs(env.node.kubeconfig, env.ns, small!.name)).split('\n')
      .filter((l) => l.includes('Memory limiter configured')).map((l) => JSON.parse(l) as Record<string, number>)[0];
    expect(configured).toMatchObject({ limit_mib: 65, spike_limit_mib: 1, total_memory_mib: OOM_LIMIT_MIB });

    const load = startLoad(await fleetClusterIpTarget(env.client, env.ns, NAME), OOM_RATE, 240, OOM_PAYLOAD);
    await waitFor('load acknowledged', async () => load.stats().acked >= OOM_RATE * 3, 60_000, 200);
    // The backend goes away: batches wait in the sending queue for their retry, and memory grows with every span the
    // collector acknowledges until the kernel's limit.
    const stalledAt = performance.now();
    const ackedAtStall = load.ackedIds.size;
    oomSink!.fail({ grpc: { code: 14, message: 'backend unavailable' } });
    const killed = await waitFor('OOMKilled', async () => pods.pods.find((p) => p.lastTermination?.reason === 'OOMKilled'), 150_000, 250);
    const oomAfterS = seconds(stalledAt);
    const atOom = load.stats();

    // Raise the limit (and give the limiter its default share); the backend is back.
    const raisedAt = performance.now();
    const patched = await mergePatch(env.client, resources.pipeline, env.ns, NAME, {
      spec: { resources: { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } }, memoryLimiter: { limitPercent: 75, spikePercent: 25 } },
    });
    oomSink!.heal();
    await waitReady(env.client, env.ns, NAME, 240_000);
    const deployment = await fleetDeployment(NAME);
    expect(deployment.spec.template.spec.containers[0]!.resources?.limits?.memory).toBe('512Mi');
    const recovered = await waitFor('one collector of the new limit Ready', async () => {
      const live = pods.pods.filter((p) => !p.terminating);
      return live.length === 1 && live[0]!.ready && live[0]!.name !== killed.name ? live[0] : undefined;
    }, 180_000, 250);
    const recoveredS = seconds(raisedAt);
    const ackedAtRecovery = load.stats().acked;
    await waitFor('load acknowledged again', async () => load.stats().acked >= ackedAtRecovery + OOM_RATE * 5, 90_000, 200);
    await load.stop();
    const stats = load.stats();
    await settled(oomSink!, stats.acked);
    const delivery = checkDelivery(load.ackedIds, oomSink!);
    const missing = missingPositions(load.ackedIds, oomSink!);
    const perSpan = bytesPerSpan(oomSink!);
    const oomKills = pods.pods.find((p) => p.name === killed.name)?.restarts ?? killed.restarts;
    console.log(JSON.stringify({
      oom: {
        pod: killed.name, limiterLog: configured, oomKilledAfterStallS: oomAfterS, restartsOfSmallPod: oomKills,
        recoveredAfterRaiseS: recoveredS, recoveredPod: recovered.name, generation: patched.metadata.generation,
        load: { generated: stats.generated, acked: stats.acked, failed: stats.failed, backlogged: stats.backlogged, ackedAtStall, ackedAtOom: atOom.acked, failedAtOom: atOom.failed },
        delivery, firstMissingPosition: missing[0], lastMissingPosition: missing.at(-1),
        bytesPerSpan: Math.round(perSpan), lostMiB: Math.round((missing.length * perSpan) / MIB * 10) / 10,
      },
    }, null, 1));

    expect(killed.lastTermination).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    expect(stats.generated).toBe(stats.acked + stats.failed);
    expect(delivery.acked).toBe(stats.acked);
    expect(delivery.duplicated).toBe(0);
    expect(missing.length).toBe(delivery.missing);
    // Nothing acknowledged before the stall is lost, save the last batch window (1 s) and what was in flight.
    if (missing.length > 0) expect(missing[0]!).toBeGreaterThanOrEqual(ackedAtStall - OOM_RATE * 2);
    // What was lost fits in the memory of the killed container(s): that is all a collector can hold.
    expect(missing.length * perSpan).toBeLessThanOrEqual(oomKills * OOM_LIMIT_MIB * MIB);
  }, 12 * 60_000);

  test('the operator pod deleted while reconciling: a successor takes the Lease and converges once', async () => {
    const NAME = 'converge';
    const operatorDeployment = await env.client.request<{ spec: { selector: { matchLabels: Record<string, string> } } }>(
      'GET', objectPath(resources.deployment, env.ns, env.operator.deployment));
    const selector = Object.entries(operatorDeployment.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
    type OperatorPod = {
      metadata: { name: string; deletionTimestamp?: string };
      status?: { conditions?: { type: string; status: string }[]; containerStatuses?: { containerID?: string }[] };
    };
    const operatorPods = async () => (await env.client.request<{ items: OperatorPod[] }>('GET', collectionPath(resources.pod, env.ns), { query: { labelSelector: selector } })).items;
    const leaderPod = async () => {
      const holder = (await lease()).spec?.holderIdentity ?? '';
      return (await operatorPods()).find((p) => holder.startsWith(`${p.metadata.name}_`));
    };
    const successor = async (previous: string) => waitFor(`a successor of ${previous} leads`, async () => {
      const pod = await leaderPod();
      const ready = pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      return pod && pod.metadata.name !== previous && !pod.metadata.deletionTimestamp && ready ? pod.metadata.name : undefined;
    }, 180_000, 250);
    const converged = async (replicas: number) => {
      const ready = await waitReady(env.client, env.ns, NAME, 240_000);
      const d = await waitFor(`${replicas} collectors updated and ready`, async () => {
        const dep = await fleetDeployment(NAME);
        return dep.spec.replicas === replicas && dep.status?.readyReplicas === replicas && dep.status.updatedReplicas === replicas && dep.status.replicas === replicas ? dep : undefined;
      }, 180_000, 500);
      return { pipeline: ready, deployment: d, replicaSets: await replicaSets(NAME) };
    };

    const revisions = (d: Deployment) => d.metadata.annotations?.['deployment.kubernetes.io/revision'];

    // 1. Created, and the leader is deleted (gracefully: SIGTERM, it finishes its reconcile and releases the Lease).
    const leaseBefore = await lease();
    const first = (await leaderPod())!.metadata.name;
    const createdAt = performance.now();
    await createPipeline(env.client, pipeline(env.ns, NAME, tracesToSink(env.sink, { resources: SMALL, replicas: 2 })));
    await env.client.request('DELETE', objectPath(resources.pod, env.ns, first));
    const leftByFirst = await fleetDeployment(NAME).then((d) => ({ replicas: d.spec.replicas }), () => 'no Deployment yet');
    const second = await successor(first);
    const handover1S = seconds(createdAt);
    const one = await converged(2);
    const converged1S = seconds(createdAt);

    // 2. Scaled 2 -> 4 with a new configuration (one rollout), and the leader dies as in a crash: its process is
    // SIGKILLed from the host and its Pod force-deleted (grace 0). Nothing releases the Lease: the successor the
    // Deployment starts takes it only once it expires (15 s after the last renewal).
    const secondContainer = (await env.client.request<OperatorPod>('GET', objectPath(resources.pod, env.ns, second))).status?.containerStatuses?.[0]?.containerID;
    const changedAt = performance.now();
    await mergePatch(env.client, resources.pipeline, env.ns, NAME, { spec: { replicas: 4, processors: { batch: { profile: 'balanced' } } } });
    await killContainer(env.node.node.containerdSocket, secondContainer!);
    await env.client.request('DELETE', objectPath(resources.pod, env.ns, second), { query: { gracePeriodSeconds: 0 } });
    const leftBySecond = await fleetDeployment(NAME).then((d) => ({ replicas: d.spec.replicas, revision: revisions(d) }));
    const third = await successor(second);
    const handover2S = seconds(changedAt);
    const two = await converged(4);
    const converged2S = seconds(changedAt);
    const leaseAfter = await lease();
    console.log(JSON.stringify({
      operatorDeleted: {
        leaders: [first, second, third], leaseTransitions: [leaseBefore.spec?.leaseTransitions, leaseAfter.spec?.leaseTransitions],
        afterCreate: { gracefulDelete: true, fleetWhenDeleted: leftByFirst, newLeaderAfterS: handover1S, convergedAfterS: converged1S, revision: revisions(one.deployment), replicaSets: one.replicaSets.length },
        afterScaleAndConfig: { killedAndForceDeleted: true, fleetWhenDeleted: leftBySecond, newLeaderAfterS: handover2S, convergedAfterS: converged2S, revision: revisions(two.deployment), replicaSets: two.replicaSets.map((r) => r.spec?.replicas) },
      },
    }, null, 1));

    expect(new Set([first, second, third]).size).toBe(3);
    expect(leaseAfter.spec?.leaseTransitions).toBeGreaterThanOrEqual((leaseBefore.spec?.leaseTransitions ?? 0) + 2);
    expect(one.replicaSets).toHaveLength(1);
    expect(revisions(one.deployment)).toBe('1');
    // Exactly one rollout for the change: a second ReplicaSet, revision 2, the old one scaled to zero.
    expect(revisions(two.deployment)).toBe('2');
    expect(two.replicaSets.map((r) => r.spec?.replicas ?? 0).sort()).toEqual([0, 4]);
    expect(two.deployment.spec.template.metadata?.annotations?.[ANNOTATION_CONFIG_HASH]).toBe(statusOf(two.pipeline).configHash);
    expect(statusOf(two.pipeline).readyReplicas).toBe(4);
  }, 12 * 60_000);
});

