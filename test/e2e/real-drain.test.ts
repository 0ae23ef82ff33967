// Scale-down and a config-change rollout under load on the real node (issue 9): the kubelet sends SIGTERM to the
// pods going away while kube-proxy may still route new connections to them for a moment. Every span the clients
// sent through the Service must be acknowledged and arrive exactly once: no export may fail.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { objectPath, resources } from '../../src/operator/kube/resources.ts';
import { fleetName } from '../../src/operator/render/labels.ts';
import { REAL_NODE_IP } from '../cluster/addresses.ts';
import { createNamespace, createPipeline, deleteNamespace, installCrd, mergePatch, pipeline, waitFor } from '../integration/operator-helpers.ts';
import { FleetPods } from '../support/fleet-pods.ts';
import { LoadGenerator } from '../support/load-generator.ts';
import { OtlpSink } from '../support/otlp-sink.ts';
import { describeOnRealNode, installOperator, ON_REAL_NODE, uninstallOperator, useRealNode, type OperatorRelease } from '../support/real-node.ts';
import { checkDelivery } from '../support/span-ids.ts';

const describeReal = await describeOnRealNode();

const NAME = 'drain';
const RATE = 400;

describeReal('scale-down and rollout under load on the real node', () => {
  const node = useRealNode();
  let client: KubeClient;
  let ns: string;
  let operator: OperatorRelease | undefined;
  let sink: OtlpSink | undefined;
  let pods: FleetPods | undefined;
  let load: LoadGenerator | undefined;

  beforeAll(async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(node.current.kubeconfig);
    client = new KubeClient(kc, { userAgent: 'tpo-e2e-real-drain' });
    await installCrd(client);
    ns = await createNamespace(client, 'e2e-drain');
    sink = await OtlpSink.start({ host: REAL_NODE_IP });
    operator = await installOperator(node.current.kubeconfig, ns, node.current.images.project);
  }, 10 * 60_000);

  afterAll(async () => {
    await load?.stop();
    pods?.stop();
    if (node.current) await uninstallOperator(node.current.kubeconfig, operator);
    if (ns) await deleteNamespace(client, ns);
    await sink?.stop();
    client?.close();
  }, 120_000);

  test('3 -> 1 replicas, then a rollout of a new config, while 400 spans/s flow through the ClusterIP: nothing fails, nothing is lost', async () => {
    await createPipeline(client, pipeline(ns, NAME, {
      ...ON_REAL_NODE,
      signals: ['traces'],
      // Connections are re-made every 5 s, so clients are spread over (and moved off) the replicas.
      receivers: { otlp: { grpc: { maxConnectionAge: '5s' } } },
      processors: { batch: { profile: 'lowLatency' } },
      exporters: [{ name: 'sink', otlp: { endpoint: sink!.grpcEndpoint, insecure: true, compression: 'none' } }],
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      scaling: { enabled: false },
      replicas: 3,
    }));
    pods = await new FleetPods(client, ns, NAME).start();
    await waitFor('three collectors Ready', async () => pods!.readyIps().length === 3, 180_000, 500);
    const service = await client.request<{ spec: { clusterIP: string } }>('GET', objectPath(resources.service, ns, fleetName(NAME)));
    const target = `${service.spec.clusterIP}:4317`;

    const seconds = 75;
    load = new LoadGenerator({
      targets: () => [target], schedule: [{ label: 'steady', seconds, from: RATE }], maxSpans: RATE * seconds + 1000,
      recordIds: true, seed: 11, maxInFlightPerTarget: 64, exportTimeoutMs: 10_000,
    }).start();
    const failedAt: Record<string, number> = {};
    const mark = (label: string) => (failedAt[label] = load!.stats().failed);

    await new Promise((r) => setTimeout(r, 10_000));
    mark('before scale-down');
    await mergePatch(client, resources.pipeline, ns, NAME, { spec: { replicas: 1 } });
    await waitFor('one collector left', async () => pods!.pods.length === 1 && pods!.readyIps().length === 1, 120_000, 500);
    mark('after scale-down');
    await mergePatch(client, resources.pipeline, ns, NAME, { spec: { processors: { batch: { profile: 'balanced' } } } });
    const old = pods.pods[0]!.name;
    await waitFor('rolled to a new pod', async () => pods!.pods.length === 1 && pods!.pods[0]!.name !== old && pods!.readyIps().length === 1, 120_000, 500);
    mark('after rollout');
    await load.done;
    const stats = load.stats();
    await sink!.waitForItems(stats.acked, 'traces', 60_000).catch(() => undefined);
    const delivery = checkDelivery(load.ackedIds, sink!);
    console.log(JSON.stringify({ load: { generated: stats.generated, acked: stats.acked, failed: stats.failed, backlogged: stats.backlogged }, failedAt, delivery }, null, 1));

    expect(stats.acked).toBeGreaterThan(RATE * seconds * 0.9);
    expect(delivery).toMatchObject({ acked: stats.acked, missing: 0, duplicated: 0 });
    expect(stats.failed).toBe(0);
  }, 8 * 60_000);
});
