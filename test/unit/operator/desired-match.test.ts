import {
  APPLIED_HASH_ANNOTATION,
  canonicalJson,
  isSubset,
  isUpToDate,
  withAppliedHash,
} from '../../../src/operator/kube/desired-match.ts';
import type { KubeObject } from '../../../src/operator/kube/types.ts';

const deployment = (replicas: number, cpu = '500m'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'p-collector', namespace: 'ns', labels: { a: '1' } },
  spec: {
    replicas,
    template: {
      spec: {
        containers: [{ name: 'c', image: 'img', args: [], resources: { requests: { cpu } } }],
        volumes: [{ name: 'config', emptyDir: {} }],
      },
    },
  },
});

/** What the API server returns for an applied object: defaults and bookkeeping added. */
function asLive(obj: KubeObject, edit: (o: any) => void = () => {}): KubeObject {
  const live = structuredClone(obj) as any;
  live.metadata.resourceVersion = '7';
  live.metadata.uid = 'u';
  live.metadata.managedFields = [{ manager: 'telemetry-pipeline-operator' }];
  live.spec.strategy = { type: 'RollingUpdate' };
  delete live.spec.template.spec.containers[0].args;
  live.spec.template.spec.containers[0].terminationMessagePath = '/dev/termination-log';
  live.status = { replicas: 1 };
  edit(live);
  return live;
}

describe('canonicalJson', () => {
  test('ignores key order and undefined values', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: undefined, w: 'v' }] })).toBe('{"a":[{"w":"v","y":2}],"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });
});

describe('withAppliedHash', () => {
  test('is stable and ignores a previous hash annotation', () => {
    const once = withAppliedHash(deployment(1));
    expect(withAppliedHash(once)).toEqual(once);
    expect(once.metadata.annotations?.[APPLIED_HASH_ANNOTATION]).toMatch(/^[0-9a-f]{16}$/);
    expect(withAppliedHash(deployment(2)).metadata.annotations?.[APPLIED_HASH_ANNOTATION]).not.toBe(
      once.metadata.annotations?.[APPLIED_HASH_ANNOTATION],
    );
  });
});

describe('isUpToDate', () => {
  const desired = withAppliedHash(deployment(1));
  test.each<[string, KubeObject | undefined, boolean]>([
    ['live as applied, with server defaults', asLive(desired), true],
    ['no live object', undefined, false],
    ['live being deleted', asLive(desired, (l) => (l.metadata.deletionTimestamp = '2025-01-01T00:00:00Z')), false],
    ['replicas changed by another writer', asLive(desired, (l) => (l.spec.replicas = 5)), false],
    ['label removed by another writer', asLive(desired, (l) => delete l.metadata.labels.a), false],
    ['extra label added by another writer', asLive(desired, (l) => (l.metadata.labels.b = '2')), true],
    ['container list changed length', asLive(desired, (l) => l.spec.template.spec.containers.push({ name: 'x' })), false],
    ['applied by an older desired state', asLive(withAppliedHash(deployment(1, '250m'))), false],
    ['cpu canonicalised by the server', asLive(withAppliedHash(deployment(1, '0.5')), (l) => {
      l.spec.template.spec.containers[0].resources.requests.cpu = '500m';
    }), true],
  ])('%s -> %s', (_name, live, expected) => {
    const want = _name.startsWith('cpu') ? withAppliedHash(deployment(1, '0.5')) : desired;
    expect(isUpToDate(want, live)).toBe(expected);
  });
});

describe('isSubset', () => {
  test.each<[unknown, unknown, boolean]>([
    [{ a: 1 }, { a: 1, b: 2 }, true],
    [{ a: 1 }, { a: '1' }, false],
    [{ a: [] }, {}, true],
    [{ a: {} }, { a: { defaulted: true } }, true],
    [{ a: [1, 2] }, { a: [1] }, false],
    [{ a: { b: 'x' } }, { a: null }, false],
    [{ labels: { v: '1.0' } }, { labels: { v: '1' } }, false],
  ])('%j within %j -> %s', (want, have, expected) => {
    expect(isSubset(want, have, [])).toBe(expected);
  });
});
