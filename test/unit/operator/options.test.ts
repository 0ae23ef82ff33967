import { parseAddress } from '../../../src/operator/http-endpoints.ts';
import { RecentKeys } from '../../../src/operator/kube/events.ts';
import { collectionPath, objectPath, resourceOfPath, resources } from '../../../src/operator/kube/resources.ts';
import { compareResourceVersions, splitKey } from '../../../src/operator/kube/types.ts';
import { parseOperatorArgs } from '../../../src/operator/options.ts';
import { FakeClock } from './fake-clock.ts';

describe('parseOperatorArgs', () => {
  test('defaults', () => {
    expect(parseOperatorArgs([], {})).toMatchObject({
      kubeconfig: undefined,
      namespace: undefined,
      concurrency: 10,
      leaderElect: false,
      leaderElectionNamespace: 'default',
      leaderElectionId: 'telemetry-pipeline-operator',
      metricsAddr: '127.0.0.1:8080',
      healthAddr: '127.0.0.1:8081',
      resyncSeconds: 300,
      watchTimeoutSeconds: 300,
      watchInactivitySeconds: 660,
    });
  });

  test.each<[string[], Record<string, string>, Record<string, unknown>]>([
    [['--namespace', 'shop'], {}, { namespace: 'shop', leaderElectionNamespace: 'shop' }],
    [['--namespace', 'shop'], { POD_NAMESPACE: 'ops' }, { leaderElectionNamespace: 'ops' }],
    [['--leader-elect', '--leader-election-namespace', 'x'], { POD_NAMESPACE: 'ops' }, { leaderElect: true, leaderElectionNamespace: 'x' }],
    [['--watch-timeout', '10'], {}, { watchTimeoutSeconds: 10, watchInactivitySeconds: 80 }],
    [['--resync', '0', '--concurrency', '3'], {}, { resyncSeconds: 0, concurrency: 3 }],
  ])('%j with env %j', (args, env, expected) => {
    expect(parseOperatorArgs(args, env)).toMatchObject(expected);
  });

  test.each([
    [['--concurrency', '0'], /--concurrency: expected an integer >= 1, got "0"/],
    [['--resync', '1.5'], /--resync: expected an integer >= 0/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('rejects %j', (args, message) => {
    expect(() => parseOperatorArgs(args, {})).toThrow(message);
  });
});

describe('addresses and paths', () => {
  test.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    [':9090', { host: undefined, port: 9090 }],
    ['[::1]:0', { host: '::1', port: 0 }],
  ])('parseAddress(%s)', (addr, expected) => {
    expect(parseAddress(addr)).toEqual(expected);
  });

  test('parseAddress rejects a missing port', () => {
    expect(() => parseAddress('localhost')).toThrow(/expected host:port/);
  });

  test.each([
    [collectionPath(resources.configMap, 'ns'), '/api/v1/namespaces/ns/configmaps', 'configmaps'],
    [collectionPath(resources.deployment), '/apis/apps/v1/deployments', 'deployments'],
    [objectPath(resources.pipeline, 'ns', 'p', 'status'), '/apis/fleet.telemetry.dev/v1alpha1/namespaces/ns/telemetrypipelines/p/status', 'telemetrypipelines/status'],
    [objectPath(resources.namespace, undefined, 'ns'), '/api/v1/namespaces/ns', 'namespaces'],
    [objectPath(resources.lease, 'kube-system', 'l'), '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l', 'leases'],
  ])('%s', (path, expected, resource) => {
    expect(path).toBe(expected);
    expect(resourceOfPath(path)).toBe(resource);
  });

  test('keys and resource versions', () => {
    expect(splitKey('ns/a')).toEqual({ namespace: 'ns', name: 'a' });
    expect(splitKey('a')).toEqual({ namespace: undefined, name: 'a' });
    expect(compareResourceVersions('9', '10')).toBe(-1);
    expect(compareResourceVersions('10', '10')).toBe(0);
    expect(compareResourceVersions('a', '10')).toBeUndefined();
  });
});

describe('RecentKeys (event deduplication)', () => {
  test('admits a key once per window and bounds its memory', async () => {
    const clock = new FakeClock();
    const recent = new RecentKeys(1000, 2, clock);
    expect(recent.admit('a')).toBe(true);
    expect(recent.admit('a')).toBe(false);
    await clock.advance(999);
    expect(recent.admit('a')).toBe(false);
    await clock.advance(1);
    expect(recent.admit('a')).toBe(true);
    expect(recent.admit('b')).toBe(true);
    expect(recent.admit('c')).toBe(true);
    // 'a' was evicted as the oldest entry, so it is admitted again within its window.
    expect(recent.admit('a')).toBe(true);
  });
});
