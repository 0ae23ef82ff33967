import { claimsMountedByCollectors, claimViews, jobViews } from '../../../src/operator/drain-observe.ts';
import { withPersistenceStatus } from '../../../src/operator/persistence-status.ts';
import type { KubeObject } from '../../../src/operator/kube/types.ts';

const obj = (kind: string, name: string, extra: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'shop', ...metadata }, ...extra }) as KubeObject;

test('claimViews: only this pipeline\'s queue claims in its namespace, with their ordinals', () => {
  const claims = [
    obj('PersistentVolumeClaim', 'queue-checkout-collector-0'),
    obj('PersistentVolumeClaim', 'queue-checkout-collector-3', {}, { deletionTimestamp: '2026-12-05T00:00:00Z' }),
    obj('PersistentVolumeClaim', 'queue-checkout-collector-1', {}, { namespace: 'other' }),
    obj('PersistentVolumeClaim', 'queue-cart-collector-1'),
    obj('PersistentVolumeClaim', 'data-checkout-collector-1'),
  ];
  expect(claimViews(claims, 'shop', 'checkout')).toEqual([
    { name: 'queue-checkout-collector-0', ordinal: 0, deleting: false },
    { name: 'queue-checkout-collector-3', ordinal: 3, deleting: true },
  ]);
});

test.each<[string, Record<string, unknown>, string, number]>([
  ['running', { status: { active: 1 } }, 'active', 0],
  ['retrying', { status: { active: 1, failed: 2 } }, 'active', 2],
  ['complete', { status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } }, 'complete', 0],
  ['given up', { status: { failed: 11, conditions: [{ type: 'Failed', status: 'True' }] } }, 'failed', 11],
  ['a condition not (yet) true', { status: { conditions: [{ type: 'Complete', status: 'False' }] } }, 'active', 0],
])('jobViews: a Job %s', (_name, extra, state, failedAttempts) => {
  const job = obj('Job', 'checkout-collector-drain-2', extra, { labels: { 'fleet.telemetry.dev/drain-ordinal': '2' } });
  expect(jobViews([job], 'shop', 'checkout')).toEqual([{ name: 'checkout-collector-drain-2', ordinal: 2, state, failedAttempts, deleting: false }]);
});

test('jobViews: Jobs of another pipeline, or without the ordinal label, are not drain Jobs', () => {
  const label = { labels: { 'fleet.telemetry.dev/drain-ordinal': '2' } };
  expect(jobViews([obj('Job', 'cart-collector-drain-2', {}, label), obj('Job', 'checkout-collector-drain-2')], 'shop', 'checkout')).toEqual([]);
});

test('claimsMountedByCollectors: claims of collector pods that have not finished; drain pods do not count', () => {
  const volume = (claimName: string) => ({ spec: { volumes: [{ name: 'config' }, { name: 'queue', persistentVolumeClaim: { claimName } }] } });
  const pods = [
    obj('Pod', 'checkout-collector-0', { ...volume('queue-checkout-collector-0'), status: { phase: 'Running' } }),
    obj('Pod', 'checkout-collector-1', { ...volume('queue-checkout-collector-1'), status: { phase: 'Running' } }, { deletionTimestamp: '2026-12-05T00:00:00Z' }),
    obj('Pod', 'checkout-collector-2', { ...volume('queue-checkout-collector-2'), status: { phase: 'Failed' } }),
    obj('Pod', 'drain-3', { ...volume('queue-checkout-collector-3'), status: { phase: 'Running' } }, { labels: { 'fleet.telemetry.dev/drain-ordinal': '3' } }),
    obj('Pod', 'elsewhere', { ...volume('queue-checkout-collector-4'), status: { phase: 'Running' } }, { namespace: 'other' }),
  ];
  expect([...claimsMountedByCollectors(pods, 'shop')].sort()).toEqual(['queue-checkout-collector-0', 'queue-checkout-collector-1']);
});

describe('withPersistenceStatus', () => {
  const pending = [{ claimName: 'queue-checkout-collector-1', ordinal: 1, state: 'Draining' as const, failedAttempts: 0 }];
  const ok = { ok: true as const, configHash: 'h', selector: 's', replicas: 1 };
  const invalid = { ok: false as const, reason: 'InvalidSpec' as const, message: 'spec.x: bad' };

  test.each<[string, Parameters<typeof withPersistenceStatus>, unknown]>([
    ['pending queues are reported', [{}, ok, pending, undefined], { persistence: { pendingQueues: pending } }],
    ['none pending: no field (the reconcile removes a previous one with null)', [{}, ok, [], { persistence: { pendingQueues: pending } }], {}],
    ['no drain pass (no claim per replica): no field', [{}, ok, undefined, undefined], {}],
    ['an invalid spec keeps the last observed list', [{}, invalid, undefined, { persistence: { pendingQueues: pending } }], { persistence: { pendingQueues: pending } }],
  ])('%s', (_name, args, expected) => {
    expect(withPersistenceStatus(...args)).toEqual(expected);
  });
});
