// Fencing of leadership terms (issue 13, item 3), on the real control plane. Two operators with
// leader election, each talking to the API server through its own proxy. The leader is cut off
// from the API server (its proxy holds every request and response) just as it sends a Deployment
// apply; the follower takes over once the lease expires, and then the cut heals, so whatever the
// old leader still had in flight would reach the API server late. The old leader's term ends at
// its renew deadline: its held requests are abandoned, its process stops, and no write of its
// lands after the new leader's first write.
import { pino } from 'pino';
import { startOperator, type OperatorHandle } from '../../src/operator/main.ts';
import { parseOperatorArgs } from '../../src/operator/options.ts';
import { ApiProxy, isWrite, type ProxiedRequest } from '../support/api-proxy.ts';
import { createPipeline, pipeline, useTestNamespace, waitFor, waitReady } from './operator-helpers.ts';

const ctx = useTestNamespace('op-fencing');

async function operatorVia(proxy: ApiProxy, namespace: string): Promise<OperatorHandle> {
  const opts = parseOperatorArgs([
    '--namespace', namespace,
    '--leader-elect',
    '--leader-election-namespace', namespace,
    '--metrics-addr', '127.0.0.1:0',
    '--health-addr', '127.0.0.1:0',
  ]);
  return startOperator(opts, { kubeConfig: proxy.kubeConfig(), log: pino({ level: process.env['TPO_TEST_LOG'] ?? 'warn' }) });
}

const isLease = (r: ProxiedRequest) => r.path.includes('/leases');
const seconds = (ms: number) => Math.round(ms / 100) / 10;

test('a leader cut off from the API server ends its term at the renew deadline; none of its writes lands after the new leader writes', async () => {
  const { client, kubeconfig } = ctx.cluster;
  const proxyA = await ApiProxy.start(kubeconfig);
  const proxyB = await ApiProxy.start(kubeconfig);
  const a = await operatorVia(proxyA, ctx.ns);
  ctx.cleanup.push(() => a.stop(), () => proxyA.close());
  await waitFor('A leads', async () => a.isLeader(), 30_000);
  const b = await operatorVia(proxyB, ctx.ns);
  ctx.cleanup.push(() => b.stop(), () => proxyB.close());
  await b.synced;
  expect(b.isLeader()).toBe(false);

  await waitFor('A renewed the lease', async () => proxyA.log.some((r) => isLease(r) && r.method === 'PUT' && r.status === 200), 30_000);
  let aTermEndedAt = 0;
  const watchTerm = setInterval(() => {
    if (!a.isLeader() && aTermEndedAt === 0) aTermEndedAt = Date.now();
  }, 20);
  ctx.cleanup.push(async () => clearInterval(watchTerm));

  // Cut A off when it sends its first Deployment apply: that write is in flight when the partition starts.
  proxyA.cutOn((r) => r.method === 'PATCH' && r.path.includes('/deployments/'));
  const names = Array.from({ length: 5 }, (_, i) => `fenced-${i}`);
  for (const name of names) await createPipeline(client, pipeline(ctx.ns, name));
  await waitFor('A cut off', async () => proxyA.cutAt !== undefined, 30_000);
  const cutAt = proxyA.cutAt!;

  // A stops on its own (lost leadership), before B can take over.
  let aStoppedAt = 0;
  void a.stopped.then(() => (aStoppedAt = Date.now()));
  const bWrite = await waitFor('B writes as the new leader', async () => proxyB.log.find((r) => isWrite(r) && r.forwardedAt !== undefined && r.forwardedAt > cutAt), 60_000);
  const bFirstWrite = bWrite.forwardedAt!;
  // Now let A's traffic through again: anything A still had in flight would land after B's first write.
  await new Promise((r) => setTimeout(r, 1_000));
  proxyA.heal();
  for (const name of names) await waitReady(client, ctx.ns, name, 90_000);

  const lastRenewal = Math.max(...proxyA.log.filter((r) => isLease(r) && isWrite(r) && (r.status ?? 0) < 300 && r.receivedAt < cutAt).map((r) => r.receivedAt));
  const afterCut = proxyA.log.filter((r) => r.receivedAt >= cutAt);
  const landedLate = proxyA.log.filter((r) => isWrite(r) && r.forwardedAt !== undefined && r.forwardedAt >= bFirstWrite);
  const figures = {
    aTermEndedAfterLastRenewalS: seconds(aTermEndedAt - lastRenewal),
    aTermEndedAfterCutS: seconds(aTermEndedAt - cutAt),
    aStoppedAfterCutS: seconds(aStoppedAt - cutAt),
    bFirstWriteAfterCutS: seconds(bFirstWrite - cutAt),
    aRequestsHeldAtOrAfterCut: afterCut.length,
    aWritesHeldAtOrAfterCut: afterCut.filter(isWrite).map((r) => `${r.method} ${r.path.replace(/\?.*/, '')}`),
    aAbandoned: afterCut.filter((r) => r.abandoned).length,
    aForwardedAfterCut: afterCut.filter((r) => r.forwardedAt !== undefined).length,
    aWritesLandedAfterBFirstWrite: landedLate.length,
  };
  console.log(`fencing figures ${JSON.stringify(figures)}`);

  expect(aStoppedAt).toBeGreaterThan(0);
  expect(aTermEndedAt).toBeLessThan(bFirstWrite);
  // The renew deadline (10 s) counts from the start of the last successful renewal; a second of slack for timers on
  // a loaded 2-core machine (10.52 s was seen there). What matters is the next line: it ends before B writes.
  expect(aTermEndedAt - lastRenewal).toBeLessThan(11_000);
  // The Deployment apply that triggered the cut was held, then given up: it never reached the API server.
  expect(figures.aWritesHeldAtOrAfterCut.some((w) => w.includes('/deployments/'))).toBe(true);
  expect(afterCut.every((r) => r.abandoned)).toBe(true);
  expect(landedLate).toEqual([]);
  expect(b.isLeader()).toBe(true);
}, 240_000);
