// Two operator processes with leader election: only the leader writes; when it shuts down it
// releases the Lease and the other takes over.
import { resources } from '../../src/operator/kube/resources.ts';
import {
  childOperator,
  createPipeline,
  getObject,
  pipeline,
  stopChild,
  useTestNamespace,
  waitFor,
  waitReady,
} from './operator-helpers.ts';

const ctx = useTestNamespace('op-leader');

const notLease = (labels: string) => !labels.includes('resource="leases"');

test('only the leader writes; a graceful shutdown hands leadership over', async () => {
  const { client, kubeconfig } = ctx.cluster;
  const flags = ['--leader-elect', '--leader-election-namespace', ctx.ns, '--log-level', 'info'];
  const a = childOperator(kubeconfig, ctx.ns, flags);
  const b = childOperator(kubeconfig, ctx.ns, flags);
  ctx.cleanup.push(() => stopChild(a, 'SIGKILL'), () => stopChild(b, 'SIGKILL'));
  const leaderOf = async () => {
    const [la, lb] = await Promise.all([a.metric('tpo_leader'), b.metric('tpo_leader')]);
    return la + lb === 1 ? (la === 1 ? { leader: a, follower: b } : { leader: b, follower: a }) : undefined;
  };
  const { leader, follower } = await waitFor('one leader', leaderOf, 30_000);

  for (const name of ['alpha', 'beta', 'gamma']) await createPipeline(client, pipeline(ctx.ns, name));
  for (const name of ['alpha', 'beta', 'gamma']) await waitReady(client, ctx.ns, name);

  expect(await leader.metric('tpo_api_writes_total', notLease)).toBeGreaterThanOrEqual(3 * 6);
  expect(await follower.metric('tpo_api_writes_total', notLease)).toBe(0);
  expect(await follower.metric('tpo_reconcile_total')).toBe(0);
  const lease = await getObject<{ spec: { holderIdentity: string } }>(client, resources.lease, ctx.ns, 'telemetry-pipeline-operator');
  const leaderIdentity = leader.logs.find((l) => l['msg'] === 'became leader')?.['identity'];
  expect(lease?.spec.holderIdentity).toBe(leaderIdentity);

  // SIGTERM: the leader finishes, releases the Lease, and the follower takes over at its next retry.
  const stoppedAt = Date.now();
  expect(await stopChild(leader)).toBe(0);
  await waitFor('follower leads', async () => (await follower.metric('tpo_leader')) === 1, 15_000);
  expect(Date.now() - stoppedAt).toBeLessThan(10_000);
  await createPipeline(client, pipeline(ctx.ns, 'delta'));
  await waitReady(client, ctx.ns, 'delta');
  expect(await follower.metric('tpo_api_writes_total', notLease)).toBeGreaterThanOrEqual(6);
}, 120_000);
