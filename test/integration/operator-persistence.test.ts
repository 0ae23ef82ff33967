// spec.persistence against the real API server, controllers and scheduler, with KWOK pods: the StatefulSet in
// place of the Deployment, the switch between them without a moment with no ready collector, and the drain Job
// lifecycle of a scaled-away replica's queue claim (the claims bound by the real PV binder to static volumes).
import { randomBytes } from 'node:crypto';
import type { TelemetryPipelineStatus } from '../../src/api/telemetry-pipeline.ts';
import { resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import type { OperatorHandle } from '../../src/operator/main.ts';
import { fleetName } from '../../src/operator/render/index.ts';
import { staticVolumes, type StaticVolumes } from '../support/pv-binder.ts';
import {
  createPipeline,
  getObject,
  inProcessOperator,
  listObjects,
  mergePatch,
  pipeline,
  statusOf,
  useTestNamespace,
  waitFor,
  waitReady,
} from './operator-helpers.ts';

type Pod = KubeObject & { status?: { phase?: string; conditions?: { type: string; status: string }[] } };
type Job = KubeObject & { spec: { template: { spec: { volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[]; containers: { command: string[] }[] } } } };
type Event = KubeObject & { reason: string; note: string; regarding: { name: string } };

const persistenceOf = (p: KubeObject | undefined) => (p?.status as TelemetryPipelineStatus | undefined)?.persistence;

const ctx = useTestNamespace('op-persist');
const suffix = randomBytes(3).toString('hex');
let operator: OperatorHandle;
let volumes: StaticVolumes | undefined;

beforeAll(async () => {
  operator = await inProcessOperator(ctx.cluster.kubeconfig, ctx.ns, ['--resync', '5']);
  await operator.synced;
  ctx.cleanup.push(async () => {
    // The pipelines go first, so their pods release the claims the volume cleanup waits for.
    for (const p of await listObjects(ctx.cluster.client, resources.pipeline, ctx.ns)) {
      await ctx.cluster.client.request('DELETE', `/apis/fleet.telemetry.dev/v1alpha1/namespaces/${ctx.ns}/telemetrypipelines/${p.metadata.name}`, {
        body: { propagationPolicy: 'Foreground' },
      });
    }
    await waitFor('collector pods gone', async () => (await listObjects(ctx.cluster.client, resources.pod, ctx.ns)).length === 0, 60_000);
    await operator.stop();
    await volumes?.close(ctx.ns);
  });
});

const readyPods = async (name: string) =>
  (await listObjects<Pod>(ctx.cluster.client, resources.pod, ctx.ns, `fleet.telemetry.dev/pipeline=${name}`)).filter(
    (p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;

/** Polls the ready collector pods of `name` while `during` runs: the fewest seen. */
async function fewestReadyWhile(name: string, during: () => Promise<unknown>): Promise<number> {
  let fewest = Infinity;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      fewest = Math.min(fewest, await readyPods(name));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    await during();
  } finally {
    done = true;
    await sampler;
  }
  return fewest;
}

const workloadOf = (kind: 'deployment' | 'statefulSet', name: string) => getObject(ctx.cluster.client, resources[kind], ctx.ns, fleetName(name));

test('an emptyDir queue: a StatefulSet instead of the Deployment; switching persistence off and on never leaves the fleet without a ready collector', async () => {
  const { client } = ctx.cluster;
  await createPipeline(client, pipeline(ctx.ns, 'spool', { replicas: 2, persistence: { emptyDir: { sizeLimit: '256Mi' } } }));
  const ready = await waitReady(client, ctx.ns, 'spool');
  expect(statusOf(ready)).toMatchObject({ replicas: 2, readyReplicas: 2 });
  const sts = await workloadOf('statefulSet', 'spool');
  expect(sts?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'TelemetryPipeline', name: 'spool', controller: true });
  expect(sts?.spec).toMatchObject({ podManagementPolicy: 'Parallel', persistentVolumeClaimRetentionPolicy: { whenScaled: 'Retain', whenDeleted: 'Delete' } });
  expect(await workloadOf('deployment', 'spool')).toBeUndefined();

  const off = await fewestReadyWhile('spool', async () => {
    await mergePatch(client, resources.pipeline, ctx.ns, 'spool', { spec: { persistence: null } });
    await waitFor('StatefulSet gone, Deployment ready', async () => !(await workloadOf('statefulSet', 'spool')) && (await readyPods('spool')) === 2 && (await waitReady(client, ctx.ns, 'spool')));
  });
  expect(off).toBeGreaterThanOrEqual(2);
  expect(await workloadOf('deployment', 'spool')).toBeDefined();

  const on = await fewestReadyWhile('spool', async () => {
    await mergePatch(client, resources.pipeline, ctx.ns, 'spool', { spec: { persistence: { emptyDir: {} } } });
    await waitFor('Deployment gone, StatefulSet ready', async () => !(await workloadOf('deployment', 'spool')) && (await readyPods('spool')) === 2 && (await waitReady(client, ctx.ns, 'spool')));
  });
  expect(on).toBeGreaterThanOrEqual(2);
  expect(statusOf(await waitReady(client, ctx.ns, 'spool'))).toMatchObject({ replicas: 2, readyReplicas: 2 });
}, 180_000);

test('a claim per replica: scale-in drains the retained claim with a Job, a scale-up cancels it, a completed Job lets the claim go', async () => {
  const { client } = ctx.cluster;
  const storageClass = `tpo-queues-${suffix}`;
  volumes = await staticVolumes(
    client,
    ctx.cluster.kubeconfig,
    storageClass,
    [0, 1, 2].map((i) => ({ name: `tpo-queue-${suffix}-${i}`, size: '1Gi', source: { hostPath: { path: `/tmp/tpo-kwok-never-mounted-${i}` } } })),
  );
  const name = 'durable';
  const claim1 = `queue-${fleetName(name)}-1`;
  const job1 = `${fleetName(name)}-drain-1`;
  const events = async (reason: string) =>
    (await listObjects<Event>(client, resources.event, ctx.ns)).filter((e) => e.reason === reason && e.regarding.name === name);
  await createPipeline(client, pipeline(ctx.ns, name, { replicas: 2, persistence: { volumeClaim: { size: '1Gi', storageClassName: storageClass } } }));
  await waitReady(client, ctx.ns, name, 90_000);
  for (const i of [0, 1]) {
    const pvc = await getObject<KubeObject & { status?: { phase?: string } }>(client, resources.persistentVolumeClaim, ctx.ns, `queue-${fleetName(name)}-${i}`);
    expect(pvc?.status?.phase).toBe('Bound');
  }

  // Scale-in: the pod of ordinal 1 goes (KWOK removes it at once), its claim stays and gets a drain Job.
  await mergePatch(client, resources.pipeline, ctx.ns, name, { spec: { replicas: 1 } });
  const job = await waitFor('drain Job', () => getObject<Job>(client, resources.job, ctx.ns, job1), 60_000);
  expect(job.spec.template.spec.volumes).toContainEqual({ name: 'queue', persistentVolumeClaim: { claimName: claim1 } });
  expect(job.spec.template.spec.containers[0]!.command).toContain('--drain-persistent-queues');
  const pending = await waitFor('pendingQueues', async () => {
    const p = await getObject(client, resources.pipeline, ctx.ns, name);
    return persistenceOf(p)?.pendingQueues;
  });
  expect(pending).toEqual([{ claimName: claim1, ordinal: 1, state: 'Draining', jobName: job1, failedAttempts: 0 }]);
  expect((await waitFor('DrainStarted', async () => (await events('DrainStarted')).at(0)))!.note).toContain(claim1);

  // Scale-up through the scale subresource (kubectl scale, an HPA): ordinal 1 is wanted again, so its Job goes and
  // the new pod takes the claim over.
  await client.request('PATCH', `/apis/fleet.telemetry.dev/v1alpha1/namespaces/${ctx.ns}/telemetrypipelines/${name}/scale`, {
    body: { spec: { replicas: 2 } },
    contentType: 'application/merge-patch+json',
  });
  await waitFor('StatefulSet scaled to 2', async () => (await workloadOf('statefulSet', name) as { spec?: { replicas?: number } } | undefined)?.spec?.replicas === 2, 30_000);
  await waitFor('Job deleted', async () => !(await getObject(client, resources.job, ctx.ns, job1)), 60_000);
  await waitFor('DrainCancelled', async () => (await events('DrainCancelled')).length > 0);
  await waitFor('no pending queue', async () => persistenceOf(await waitReady(client, ctx.ns, name)) === undefined, 60_000);

  // Scale-in again. KWOK runs no process, so the test reports what the kubelet would when `tpo collector
  // --drain-persistent-queues` exits: first 1 (its timeout passed with the backend down), then 0 (every queue empty).
  await mergePatch(client, resources.pipeline, ctx.ns, name, { spec: { replicas: 1 } });
  const drainPodExits = async (phase: 'Failed' | 'Succeeded', except?: string) => {
    const pod = await waitFor('drain pod Running', async () => {
      const pods = await listObjects<Pod>(client, resources.pod, ctx.ns, `job-name=${job1}`);
      return pods.find((p) => p.status?.phase === 'Running' && p.metadata.name !== except);
    }, 60_000);
    await client.request('PATCH', `/api/v1/namespaces/${ctx.ns}/pods/${pod.metadata.name}/status`, {
      body: { status: { phase, conditions: [{ type: 'Ready', status: 'False' }] } },
      contentType: 'application/merge-patch+json',
    });
    return pod.metadata.name;
  };
  const failedPod = await drainPodExits('Failed');
  const retrying = await waitFor('Retrying', async () => persistenceOf(await getObject(client, resources.pipeline, ctx.ns, name))?.pendingQueues?.find((q) => q.state === 'Retrying'), 60_000);
  expect(retrying).toMatchObject({ claimName: claim1, jobName: job1, failedAttempts: 1 });
  expect(retrying.message).toContain('the data stays on the volume');
  // The Job controller starts the next attempt after its backoff (10 s).
  await drainPodExits('Succeeded', failedPod);
  await waitFor('claim deleted', async () => {
    const pvc = await getObject(client, resources.persistentVolumeClaim, ctx.ns, claim1);
    return !pvc || pvc.metadata.deletionTimestamp !== undefined;
  }, 60_000);
  await waitFor('Job deleted after its claim', async () => !(await getObject(client, resources.job, ctx.ns, job1)), 60_000);
  expect((await waitFor('QueueDrained', async () => (await events('QueueDrained')).at(0)))!.note).toContain(claim1);
  await waitFor('no pending queue', async () => persistenceOf(await getObject(client, resources.pipeline, ctx.ns, name)) === undefined, 60_000);
  expect(await getObject(client, resources.persistentVolumeClaim, ctx.ns, `queue-${fleetName(name)}-0`)).toBeDefined();

  // The StatefulSet's claim template is immutable: the API server refuses a change instead of admitting a spec the
  // operator could not apply.
  const immutable = /spec\.persistence: Invalid value.*volumeClaim cannot be added, changed or removed/;
  await expect(mergePatch(client, resources.pipeline, ctx.ns, name, { spec: { persistence: { volumeClaim: { size: '2Gi' } } } })).rejects.toThrow(immutable);
  await expect(mergePatch(client, resources.pipeline, ctx.ns, name, { spec: { persistence: { volumeClaim: null, emptyDir: {} } } })).rejects.toThrow(immutable);
}, 240_000);
