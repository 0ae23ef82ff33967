// Scale-down and a config-change rollout under load on the real node (issue 9): the kubelet sends SIGTERM to the
// pods going away while kube-proxy may still route new connections to them for a moment. Every span the clients
// sent through the Service must be acknowledged and arrive exactly once: no export may fail.
import { resources } from '../../src/operator/kube/resources.ts';
import { createPipeline, mergePatch, pipeline, waitFor } from '../integration/operator-helpers.ts';
import { FleetPods } from '../support/fleet-pods.ts';
import { LoadGenerator } from '../support/load-generator.ts';
import { describeOnRealNode, fleetClusterIpTarget, tracesToSink, useRealFleetEnv } from '../support/real-node.ts';
import { checkDelivery } from '../support/span-ids.ts';

const describeReal = await describeOnRealNode();

const NAME = 'drain';
const RATE = 400;

describeReal('scale-down and rollout under load on the real node', () => {
  const env = useRealFleetEnv('e2e-drain');
  let pods: FleetPods | undefined;
  let load: LoadGenerator | undefined;
  beforeAll(() => {
    env.cleanup.push(() => load?.stop(), () => pods?.stop());
  });

  test('3 -> 1 replicas, then a rollout of a new config, while 400 spans/s flow through the ClusterIP: nothing fails, nothing is lost', async () => {
    await createPipeline(env.client, pipeline(env.ns, NAME, tracesToSink(env.sink, {
      // Connections are re-made every 5 s, so clients are spread over (and moved off) the replicas.
      receivers: { otlp: { grpc: { maxConnectionAge: '5s' } } },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      scaling: { enabled: false },
      replicas: 3,
    })));
    pods = await new FleetPods(env.client, env.ns, NAME).start();
    await waitFor('three collectors Ready', async () => pods!.readyIps().length === 3, 180_000, 500);
    const target = await fleetClusterIpTarget(env.client, env.ns, NAME);

    const seconds = 75;
    load = new LoadGenerator({
      targets: () => [target], schedule: [{ label: 'steady', seconds, from: RATE }], maxSpans: RATE * seconds + 1000,
      recordIds: true, seed: 11, maxInFlightPerTarget: 64, exportTimeoutMs: 10_000,
    }).start();
    const failedAt: Record<string, number> = {};
    const mark = (label: string) => (failedAt[label] = load!.stats().failed);

    await new Promise((r) => setTimeout(r, 10_000));
    mark('before scale-down');
    await mergePatch(env.client, resources.pipeline, env.ns, NAME, { spec: { replicas: 1 } });
    await waitFor('one collector left', async () => pods!.pods.length === 1 && pods!.readyIps().length === 1, 120_000, 500);
    mark('after scale-down');
    await mergePatch(env.client, resources.pipeline, env.ns, NAME, { spec: { processors: { batch: { profile: 'balanced' } } } });
    const old = pods.pods[0]!.name;
    await waitFor('rolled to a new pod', async () => pods!.pods.length === 1 && pods!.pods[0]!.name !== old && pods!.readyIps().length === 1, 120_000, 500);
    mark('after rollout');
    await load.done;
    const stats = load.stats();
    await env.sink.waitForItems(stats.acked, 'traces', 60_000).catch(() => undefined);
    const delivery = checkDelivery(load.ackedIds, env.sink);
    console.log(JSON.stringify({ load: { generated: stats.generated, acked: stats.acked, failed: stats.failed, backlogged: stats.backlogged }, failedAt, delivery }, null, 1));

    expect(stats.acked).toBeGreaterThan(RATE * seconds * 0.9);
    expect(delivery).toMatchObject({ acked: stats.acked, missing: 0, duplicated: 0 });
    expect(stats.failed).toBe(0);
  }, 8 * 60_000);
});
