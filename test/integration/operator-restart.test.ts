// Kill the operator in the middle of work, change pipelines while it is down, start a new one whose
// watches expire every second: it converges with every change applied exactly once.
import { resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { ANNOTATION_CONFIG_HASH, fleetName } from '../../src/operator/render/index.ts';
import {
  childOperator,
  createPipeline,
  getObject,
  listObjects,
  mergePatch,
  pipeline,
  sleep,
  statusOf,
  stopChild,
  useTestNamespace,
  waitFor,
  waitReady,
  type ChildOperator,
} from './operator-helpers.ts';

type Deployment = KubeObject & { spec: { template: { metadata: { annotations: Record<string, string> } } } };

const ctx = useTestNamespace('op-restart');

const COUNT = 20;
const CHANGED = new Set(['p-0', 'p-5', 'p-10', 'p-15', 'p-19']);
const names = Array.from({ length: COUNT }, (_, i) => `p-${i}`);
const writes = (op: ChildOperator) => op.metric('tpo_api_writes_total', (l) => !l.includes('resource="leases"'));

test('converges after a kill mid-work and with constantly expiring watches, without lost or repeated updates', async () => {
  const { client, kubeconfig } = ctx.cluster;
  // One worker and 1s watches: the kill lands mid-work and every watch expires many times over.
  const flags = ['--concurrency', '1', '--watch-timeout', '1', '--watch-inactivity', '3', '--resync', '2', '--log-level', 'info'];
  const first = childOperator(kubeconfig, ctx.ns, flags);
  ctx.cleanup.push(() => stopChild(first, 'SIGKILL'));
  await first.metricsAddress;
  await Promise.all(names.map((name) => createPipeline(client, pipeline(ctx.ns, name))));
  await waitFor('first operator mid-work', async () => (await writes(first)) >= 25, 30_000, 20);
  expect(await stopChild(first, 'SIGKILL')).toBeNull();
  const readyAtKill = (await listObjects(client, resources.pipeline, ctx.ns)).filter((p) =>
    statusOf(p).conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
  expect(readyAtKill).toBeLessThan(COUNT);

  for (const name of CHANGED) {
    await mergePatch(client, resources.pipeline, ctx.ns, name, { spec: { processors: { batch: { profile: 'lowLatency' } } } });
  }
  const second = childOperator(kubeconfig, ctx.ns, flags);
  ctx.cleanup.push(() => stopChild(second, 'SIGKILL'));
  for (const name of names) await waitReady(client, ctx.ns, name, 90_000);

  const hashes = new Map<string, string>();
  for (const name of names) {
    const p = await getObject(client, resources.pipeline, ctx.ns, name);
    const d = await getObject<Deployment>(client, resources.deployment, ctx.ns, fleetName(name));
    const hash = d!.spec.template.metadata.annotations[ANNOTATION_CONFIG_HASH]!;
    expect(statusOf(p).configHash).toBe(hash);
    hashes.set(name, hash);
    // A Deployment rolls at most once per config it was given: never twice for the same change.
    const replicaSets = await listObjects(client, { ...resources.deployment, plural: 'replicasets' }, ctx.ns, `fleet.telemetry.dev/pipeline=${name}`);
    if (CHANGED.has(name)) {
      expect(d!.metadata.generation).toBeLessThanOrEqual(2);
      expect(replicaSets.length).toBeLessThanOrEqual(2);
    } else {
      expect(d!.metadata.generation).toBe(1);
      expect(replicaSets).toHaveLength(1);
    }
  }
  // Same spec, same config: the changed pipelines share one hash, the others another.
  expect(new Set(names.filter((n) => CHANGED.has(n)).map((n) => hashes.get(n))).size).toBe(1);
  expect(new Set(names.filter((n) => !CHANGED.has(n)).map((n) => hashes.get(n))).size).toBe(1);
  expect(hashes.get('p-0')).not.toBe(hashes.get('p-1'));

  // Converged: resyncs every 2s and watch restarts every second write nothing.
  await sleep(2000);
  const settled = await writes(second);
  await sleep(5000);
  expect(await writes(second)).toBe(settled);
  expect(await second.metric('tpo_reconcile_total')).toBeGreaterThan(COUNT * 2);
  expect(second.logs.filter((l) => l['msg'] === 'list/watch failed')).toEqual([]);
}, 180_000);
