// A collector fleet on the real node (issue 9): the operator installed from the chart with the locally built image
// runs as a pod (in-cluster config, leader election, probes); a TelemetryPipeline becomes collector containers
// whose memory limit and POD_IP come from the kubelet; load from the official OpenTelemetry JS exporter on the
// host through the Service's ClusterIP (kube-proxy) scales the fleet up and back down, and every acknowledged span
// reaches the sink on the node IP exactly once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { objectPath, resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { fleetName } from '../../src/operator/render/labels.ts';
import { REAL_NODE_IP, REAL_NODE_NAME } from '../cluster/addresses.ts';
import { createNamespace, createPipeline, deleteNamespace, installCrd, pipeline, waitFor } from '../integration/operator-helpers.ts';
import { FleetPods } from '../support/fleet-pods.ts';
import { kubectl, REPO } from '../support/helm-kubectl.ts';
import { FleetSampler, replicaSteps } from '../support/fleet-sampler.ts';
import { LoadGenerator } from '../support/load-generator.ts';
import { phaseStarts, type Phase } from '../support/load-schedule.ts';
import { OtlpSink } from '../support/otlp-sink.ts';
import {
  describeOnRealNode, installOperator, ON_REAL_NODE, podLogs, uninstallOperator, useRealNode, type OperatorRelease,
} from '../support/real-node.ts';
import { checkDelivery } from '../support/span-ids.ts';

const describeReal = await describeOnRealNode();

const NAME = 'fleet';
const PERIOD_S = 5;
const STABILIZATION_S = 30;
const CAPACITY = 200;
const PER_REPLICA = CAPACITY * 0.7;

// 250 spans/s needs 2 replicas (1.8 x 140); 500 needs 4 (3.6 x 140); then 0.
const SCHEDULE: Phase[] = [
  { label: 'ramp to 2', seconds: 4, from: 0, to: 250 },
  { label: 'level 2', seconds: 25, from: 250, noise: 0.05 },
  { label: 'ramp to 4', seconds: 4, from: 250, to: 500 },
  { label: 'level 4', seconds: 35, from: 500, noise: 0.05 },
  { label: 'ramp down', seconds: 4, from: 500, to: 0 },
];
const [, LEVEL2_AT, , LEVEL4_AT, DOWN_AT] = phaseStarts(SCHEDULE) as [number, number, number, number, number];
/** Decision (<= 1 period) + reconcile + pod start on the real node + readiness probe (period 5 s). */
const SCALE_UP_SLACK_S = 2 * PERIOD_S + 12;

describeReal('a collector fleet on the real node', () => {
  const node = useRealNode();
  let client: KubeClient;
  let ns: string;
  let operator: OperatorRelease | undefined;
  let sink: OtlpSink | undefined;
  let pods: FleetPods | undefined;
  let load: LoadGenerator | undefined;
  let sampler: FleetSampler | undefined;

  beforeAll(async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(node.current.kubeconfig);
    client = new KubeClient(kc, { userAgent: 'tpo-e2e-real-fleet' });
    await installCrd(client);
    ns = await createNamespace(client, 'e2e-real');
    sink = await OtlpSink.start({ host: REAL_NODE_IP });
    operator = await installOperator(node.current.kubeconfig, ns, node.current.images.project);
  }, 10 * 60_000);

  afterAll(async () => {
    await load?.stop();
    await sampler?.stop();
    pods?.stop();
    if (node.current) await uninstallOperator(node.current.kubeconfig, operator);
    if (ns) await deleteNamespace(client, ns);
    await sink?.stop();
    client?.close();
  }, 120_000);

  test('the operator runs as a pod on the real node, holds the Lease and is Ready', async () => {
    const deployment = await client.request<{ status?: { readyReplicas?: number } }>('GET', objectPath(resources.deployment, ns, operator!.deployment));
    expect(deployment.status?.readyReplicas).toBe(1);
    const lease = await client.request<{ spec?: { holderIdentity?: string } }>('GET', objectPath(resources.lease, ns, 'telemetry-pipeline-operator'));
    expect(lease.spec?.holderIdentity).toMatch(new RegExp(`^${operator!.deployment}-`));
  });

  test('a TelemetryPipeline becomes collector containers; memory limit and POD_IP come from the kubelet', async () => {
    await createPipeline(client, pipeline(ns, NAME, {
      ...ON_REAL_NODE,
      signals: ['traces'],
      receivers: { otlp: { grpc: { maxConnectionAge: '10s' } } },
      processors: { batch: { profile: 'lowLatency' } },
      exporters: [{ name: 'sink', otlp: { endpoint: sink!.grpcEndpoint, insecure: true, compression: 'none' } }],
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      scaling: {
        enabled: true, minReplicas: 1, maxReplicas: 6, capacityPerReplica: { spansPerSecond: CAPACITY }, targetUtilization: 0.7,
        evaluationPeriodSeconds: PERIOD_S, scaleDownStabilizationSeconds: STABILIZATION_S,
      },
    }));
    pods = await new FleetPods(client, ns, NAME).start();
    await waitFor('one collector Ready', async () => pods!.readyIps().length === 1, 120_000, 500);
    const [pod] = pods.pods.filter((p) => p.ready);
    expect(pod!.node).toBe(REAL_NODE_NAME);
    expect(pod!.ip).toMatch(/^198\.19\./);
    expect(pod!.containerId).toMatch(/^containerd:\/\//);

    // The container's cgroup says 512 MiB, which the collector reads; limit_mib is 75 % of it (rendered).
    const logs = await podLogs(node.current.kubeconfig, ns, pod!.name);
    const configured = logs.split('\n').filter((l) => l.includes('Memory limiter configured')).map((l) => JSON.parse(l) as Record<string, number>)[0];
    expect(configured).toMatchObject({ limit_mib: 384, total_memory_mib: 512 });
    // Every listener is bound to POD_IP from the downward API: its self-metrics answer there, from the host.
    const metrics = await fetch(`http://${pod!.ip}:8888/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());
    expect(metrics).toContain('otelcol_process_uptime');
  }, 180_000);

  test('the image runs as non-root on a read-only root filesystem, and `tpo collector validate` / `tpo render` work in it', async () => {
    const [pod] = pods!.pods.filter((p) => p.ready);
    const exec = (args: string[], input?: string) => kubectl(node.current.kubeconfig, ['exec', ...(input === undefined ? [] : ['-i']), '-n', ns, pod!.name, '--', ...args], input);
    expect((await exec(['id', '-u'])).stdout.trim()).toBe('10001');
    const write = await exec(['touch', '/app/x']);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('Read-only file system');
    const validate = await exec(['tpo', 'collector', 'validate', '--config', '/etc/otelcol/config.yaml']);
    expect(validate.code).toBe(0);
    const sample = readFileSync(join(REPO, 'manifests/samples/demo.yaml'), 'utf8');
    const rendered = await exec(['tpo', 'render', '-f', '/dev/stdin'], sample);
    expect(rendered.code).toBe(0);
    expect(rendered.stdout).toContain('kind: Deployment');
  }, 60_000);

  test('load through the ClusterIP scales the fleet up and down; every acknowledged span arrives once', async () => {
    const service = await client.request<{ spec: { clusterIP: string } }>('GET', objectPath(resources.service, ns, fleetName(NAME)));
    expect(service.spec.clusterIP).toMatch(/^198\.18\.(1[2-9]\d|2\d\d)\./);
    const target = `${service.spec.clusterIP}:4317`;
    load = new LoadGenerator({ targets: () => [target], schedule: SCHEDULE, maxSpans: 100_000, recordIds: true, seed: 9, maxInFlightPerTarget: 64 }).start();
    sampler = new FleetSampler({ client, namespace: ns, pipeline: NAME, load: () => load, serving: () => pods!.readyIps(), intervalMs: 500 }).start();

    await load.done;
    await waitFor('scaled back to 1', async () => sampler!.latest?.replicas === 1 && pods!.pods.length === 1, (STABILIZATION_S + 6 * PERIOD_S + 60) * 1000, 500);
    await sampler.stop();
    const stats = load.stats();
    await sink!.waitForItems(stats.acked, 'traces', 60_000).catch(() => undefined);
    const samples = sampler.samples;
    const at = (from: number, check: (r: number) => boolean) => samples.find((s) => s.load !== undefined && s.load.elapsed >= from && check(s.replicas ?? 0))?.load?.elapsed;
    const upTo2 = at(0, (r) => r >= 2);
    const upTo4 = at(LEVEL2_AT, (r) => r >= 4);
    const firstDown = at(DOWN_AT, (r) => r < 4);
    const delivery = checkDelivery(load.ackedIds, sink!);
    const events = (await client.request<{ items: (KubeObject & { reason?: string; note?: string })[] }>('GET', `/apis/events.k8s.io/v1/namespaces/${ns}/events`)).items.filter((e) => e.reason === 'Scaled');
    console.log(JSON.stringify({
      steps: replicaSteps(samples.map((s) => ({ ...s, t: s.load?.elapsed ?? s.t }))), upTo2, upTo4, firstDown,
      load: { generated: stats.generated, acked: stats.acked, failed: stats.failed, backlogged: stats.backlogged },
      delivery, scaled: events.map((e) => e.note), refused: samples.at(-1)?.refused,
      peakRate: Math.max(...samples.map((s) => s.autoscaling?.spansPerSecond ?? 0)),
    }, null, 1));

    expect(upTo2).toBeDefined();
    expect(upTo2!).toBeLessThanOrEqual(4 + SCALE_UP_SLACK_S);
    expect(upTo4).toBeDefined();
    expect(upTo4! - LEVEL4_AT).toBeLessThanOrEqual(SCALE_UP_SLACK_S);
    expect(Math.max(...samples.map((s) => s.replicas ?? 0))).toBe(4);
    // Down only after the stabilization window.
    expect(firstDown).toBeDefined();
    expect(firstDown! - DOWN_AT).toBeGreaterThanOrEqual(STABILIZATION_S - PERIOD_S);
    expect(delivery).toMatchObject({ acked: stats.acked, missing: 0, duplicated: 0 });
    expect(delivery.received).toBeLessThanOrEqual(stats.acked + stats.failed);
    expect(stats.acked).toBeGreaterThan(20_000);
    expect(stats.failed).toBe(0);
    void PER_REPLICA;
  }, 8 * 60_000);
});
