// Persistent queues on the real node (issue 15): collectors of the project image with spec.persistence on local
// PersistentVolumes under the node's state directory, bound by the real PV binder, the backend an OtlpSink on the
// host (198.18.0.1) that is stopped and restarted on the same ports.
// (a) 10,000 spans accepted while the backend is down, the collector container SIGKILLed from the host, the kubelet
//     restarts it, the backend returns: every span arrives.
// (b) scale-in 2 -> 1 with both queues full and the backend down past the grace period: the scaled-away replica's
//     claim is kept, a drain Job delivers it once the backend returns, and the claim is deleted after.
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TelemetryPipelineStatus } from '../../src/api/telemetry-pipeline.ts';
import { objectPath, resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { METRICS_PORT } from '../../src/operator/render/defaults.ts';
import { fleetName } from '../../src/operator/render/labels.ts';
import { nodePaths } from '../cluster/node/paths.ts';
import { createPipeline, getObject, mergePatch, pipeline, waitFor } from '../integration/operator-helpers.ts';
import { sumMetric } from '../support/collector-process.ts';
import { FleetPods } from '../support/fleet-pods.ts';
import { LoadGenerator } from '../support/load-generator.ts';
import { killContainer } from '../support/node-containers.ts';
import { staticVolumes, type StaticVolumes } from '../support/pv-binder.ts';
import { kubectl } from '../support/helm-kubectl.ts';
import { describeOnRealNode, tracesToSink, useRealFleetEnv } from '../support/real-node.ts';
import { checkDelivery } from '../support/span-ids.ts';

const describeReal = await describeOnRealNode();

const SPANS = 10_000;
const SMALL = { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } };
/** Retry for ever, and soon after the backend returns. */
const RETRY = { initialInterval: '1s', maxInterval: '5s', maxElapsedTime: '0s' };

const persistenceOf = (p: KubeObject | undefined) => (p?.status as TelemetryPipelineStatus | undefined)?.persistence;

async function acceptedSpans(ip: string): Promise<number> {
  const text = await fetch(`http://${ip}:${METRICS_PORT}/metrics`, { signal: AbortSignal.timeout(3000) }).then((r) => r.text());
  return sumMetric(text, 'otelcol_receiver_accepted_spans');
}

/** SPANS spans at 1,000/s spread over `targets`, every one acknowledged. */
async function sendAll(targets: string[]): Promise<LoadGenerator> {
  const load = new LoadGenerator({
    targets: () => targets,
    schedule: [{ label: 'burst', seconds: 15, from: 1000 }],
    maxSpans: SPANS,
    recordIds: true,
    seed: 15,
    exportTimeoutMs: 10_000,
  }).start();
  await load.done;
  return load;
}

/** What the drain Job and its pods did, for a failure message. */
async function drainDiagnostics(kubeconfig: string, namespace: string, job: string): Promise<string> {
  const out = [await kubectl(kubeconfig, ['get', 'pods,jobs,pvc', '-n', namespace, '-o', 'wide']).then((r) => r.stdout, (e: Error) => e.message)];
  out.push(await kubectl(kubeconfig, ['get', 'job', job, '-n', namespace, '-o', 'jsonpath={.status}']).then((r) => r.stdout, (e: Error) => e.message));
  const pods = await kubectl(kubeconfig, ['get', 'pods', '-n', namespace, '-l', `job-name=${job}`, '-o', 'name']).then((r) => r.stdout.split('\n').filter(Boolean), () => []);
  for (const pod of pods) out.push(pod, await kubectl(kubeconfig, ['logs', '-n', namespace, pod]).then((r) => r.stdout + r.stderr, (e: Error) => e.message));
  return out.join('\n');
}

describeReal('persistent queues on the real node', () => {
  const env = useRealFleetEnv('e2e-persist');
  const suffix = randomBytes(3).toString('hex');
  const root = join(nodePaths().root, 'test-volumes', suffix);
  let volumes: StaticVolumes | undefined;
  let pods: FleetPods | undefined;
  const storageClass = `tpo-local-${suffix}`;

  beforeAll(async () => {
    const dirs = [0, 1, 2, 3].map((i) => join(root, String(i)));
    for (const dir of dirs) await mkdir(dir, { recursive: true, mode: 0o755 });
    volumes = await staticVolumes(env.client, env.node.kubeconfig, storageClass, dirs.map((path, i) => ({
      name: `tpo-local-${suffix}-${i}`,
      size: '256Mi',
      source: {
        local: { path },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [env.node.node.nodeName] }] }] } },
      },
    })));
    // Newest first at teardown: the pods stop polling, then the pipelines and claims go, then the volumes.
    env.cleanup.push(async () => {
      for (const name of ['crash', 'scalein']) {
        await env.client.request('DELETE', objectPath(resources.pipeline, env.ns, name)).catch(() => undefined);
      }
      await waitFor('collector and drain pods gone', async () => (await env.client.request<{ items: unknown[] }>('GET', `/api/v1/namespaces/${env.ns}/pods?labelSelector=app.kubernetes.io/managed-by%3Dtelemetry-pipeline-operator`)).items.length === 0, 180_000, 1000);
      await volumes?.close(env.ns);
      await rm(root, { recursive: true, force: true });
      await rmdir(dirname(root)).catch(() => undefined);
    }, () => pods?.stop());
  }, 120_000);

  const spec = (replicas: number) => tracesToSink(env.sink, {
    resources: SMALL,
    scaling: { enabled: false },
    replicas,
    persistence: { volumeClaim: { size: '256Mi', storageClassName: storageClass } },
    exporters: [{ name: 'sink', otlp: { endpoint: env.sink.grpcEndpoint, insecure: true, compression: 'none' }, retryOnFailure: RETRY }],
  });

  test('(a) 10,000 spans queued for a backend that is down survive a SIGKILL of the collector', async () => {
    console.log(JSON.stringify({ pvBinder: volumes!.startedBinder ? 'the harness controller manager runs no PV binder: the test runs the real one beside it' : 'the cluster binds' }));
    await createPipeline(env.client, pipeline(env.ns, 'crash', spec(1)));
    pods = await new FleetPods(env.client, env.ns, 'crash').start();
    await waitFor('collector Ready', async () => pods!.readyIps().length === 1, 240_000, 500);
    const claim = await getObject<KubeObject & { status?: { phase?: string } }>(env.client, resources.persistentVolumeClaim, env.ns, `queue-${fleetName('crash')}-0`);
    expect(claim?.status?.phase).toBe('Bound');

    await env.sink.stop();
    const ip = pods.readyIps()[0]!;
    const load = await sendAll([`${ip}:4317`]);
    expect(load.stats()).toMatchObject({ acked: SPANS, failed: 0 });
    expect(await acceptedSpans(ip)).toBe(SPANS);
    // The batch processor holds spans for its timeout (lowLatency): let it hand them to the persistent queue.
    await new Promise((r) => setTimeout(r, 3000));

    const victim = pods.pods[0]!;
    await killContainer(env.node.node.containerdSocket, victim.containerId!);
    await waitFor('the kubelet restarts the container', async () => pods!.pods[0]?.restarts === victim.restarts + 1 && pods!.pods[0]!.ready, 180_000, 250);
    await env.sink.restart();
    await env.sink.waitForItems(SPANS, 'traces', 180_000).catch(() => undefined);
    const delivery = checkDelivery(load.ackedIds, env.sink);
    console.log(JSON.stringify({ scenario: 'sigkill', lastTermination: pods.pods[0]!.lastTermination, delivery }));
    expect(delivery).toMatchObject({ acked: SPANS, missing: 0 });
    pods.stop();
  }, 10 * 60_000);

  test('(b) scale-in 2 -> 1 with full queues and the backend down: a drain Job delivers the rest, then the claim goes', async () => {
    env.sink.requests.length = 0;
    await createPipeline(env.client, pipeline(env.ns, 'scalein', spec(2)));
    pods = await new FleetPods(env.client, env.ns, 'scalein').start();
    await waitFor('two collectors Ready', async () => pods!.readyIps().length === 2, 240_000, 500);
    await env.sink.stop();
    const ips = pods.readyIps();
    const load = await sendAll(ips.map((ip) => `${ip}:4317`));
    expect(load.stats()).toMatchObject({ acked: SPANS, failed: 0 });
    const byPod = await Promise.all(ips.map(acceptedSpans));
    await new Promise((r) => setTimeout(r, 3000));

    const claim1 = `queue-${fleetName('scalein')}-1`;
    const job1 = `${fleetName('scalein')}-drain-1`;
    await mergePatch(env.client, resources.pipeline, env.ns, 'scalein', { spec: { replicas: 1 } });
    // Its grace period (50 s) passes with the backend still down: what it held stays on its claim.
    const pending = await waitFor('the drain Job', async () => {
      const p = persistenceOf(await getObject(env.client, resources.pipeline, env.ns, 'scalein'))?.pendingQueues;
      return p?.some((q) => q.state === 'Draining' && q.jobName === job1) ? p : undefined;
    }, 180_000, 1000);
    const received = env.sink.items('traces');
    await env.sink.restart();
    await waitFor('the claim deleted after the Job succeeded', async () => {
      const pvc = await getObject(env.client, resources.persistentVolumeClaim, env.ns, claim1);
      return !pvc || pvc.metadata.deletionTimestamp !== undefined;
    }, 8 * 60_000, 1000).catch(async (err: Error) => {
      console.log(await drainDiagnostics(env.node.kubeconfig, env.ns, job1));
      throw err;
    });
    await env.sink.waitForItems(SPANS, 'traces', 120_000).catch(() => undefined);
    const delivery = checkDelivery(load.ackedIds, env.sink);
    console.log(JSON.stringify({ scenario: 'scale-in', acceptedByPod: byPod, pendingWhileDown: pending, receivedWhileDown: received, delivery }));
    expect(received).toBe(0);
    expect(delivery).toMatchObject({ acked: SPANS, missing: 0 });
    await waitFor('Job deleted, nothing pending', async () =>
      !(await getObject(env.client, resources.job, env.ns, job1)) && !persistenceOf(await getObject(env.client, resources.pipeline, env.ns, 'scalein')), 120_000, 1000);
  }, 15 * 60_000);
});
