import { pino } from 'pino';
import { ApiError } from '../../../src/operator/kube/errors.ts';
import { LeaderElector, microTime, type Lease, type LeaseStore } from '../../../src/operator/kube/leader-election.ts';
import { FakeClock, flush } from './fake-clock.ts';

/** An in-memory Lease with the API server's optimistic concurrency (409 on a stale resourceVersion). */
class MemoryLease implements LeaseStore {
  lease: Lease | undefined;
  version = 0;
  down = false;
  writes: string[] = [];

  async get() {
    if (this.down) throw new Error('connection refused');
    return this.lease && structuredClone(this.lease);
  }

  async create(lease: Lease) {
    if (this.down) throw new Error('connection refused');
    if (this.lease) throw new ApiError('POST', '/lease', 409, 'AlreadyExists', 'exists');
    return this.#store(lease);
  }

  async update(lease: Lease) {
    if (this.down) throw new Error('connection refused');
    if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw new ApiError('PUT', '/lease', 409, 'Conflict', 'stale');
    return this.#store(lease);
  }

  #store(lease: Lease) {
    this.lease = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++this.version) } };
    this.writes.push(`${this.lease.spec?.holderIdentity}`);
    return structuredClone(this.lease);
  }
}

function candidate(name: string, store: LeaseStore, clock: FakeClock) {
  const events: string[] = [];
  const elector = new LeaderElector({
    identity: name,
    store,
    clock,
    log: pino({ level: 'silent' }),
    random: () => 0,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
  });
  return { elector, events };
}

test('microTime has six fractional digits', () => {
  expect(microTime(Date.UTC(2025, 0, 2, 3, 4, 5, 678))).toBe('2025-01-02T03:04:05.678000Z');
});

test('first candidate creates the lease; the second waits; the leader renews every retry period', async () => {
  const clock = new FakeClock();
  const store = new MemoryLease();
  const a = candidate('a', store, clock);
  const b = candidate('b', store, clock);
  void a.elector.start();
  await flush();
  void b.elector.start();
  await clock.advance(10_000);
  expect(a.elector.isLeader).toBe(true);
  expect(b.elector.isLeader).toBe(false);
  expect(a.events).toEqual(['started']);
  expect(store.writes.every((w) => w === 'a')).toBe(true);
  expect(store.writes.length).toBe(6);
  expect(store.lease?.spec?.leaseTransitions).toBe(0);
  await a.elector.stop();
  await b.elector.stop();
});

test('a follower takes over a lease not renewed for a whole lease duration', async () => {
  const clock = new FakeClock();
  const store = new MemoryLease();
  store.lease = {
    metadata: { name: 'l', resourceVersion: '1' },
    spec: { holderIdentity: 'gone', leaseDurationSeconds: 15, renewTime: microTime(0), leaseTransitions: 3 },
  };
  const b = candidate('b', store, clock);
  void b.elector.start();
  await clock.advance(14_000);
  expect(b.elector.isLeader).toBe(false);
  await clock.advance(2_000);
  expect(b.elector.isLeader).toBe(true);
  expect(store.lease?.spec?.leaseTransitions).toBe(4);
  await b.elector.stop();
});

test('a leader that cannot renew within the renew deadline steps down before the lease expires', async () => {
  const clock = new FakeClock();
  const store = new MemoryLease();
  const a = candidate('a', store, clock);
  const done = a.elector.start();
  await clock.advance(1);
  expect(a.elector.isLeader).toBe(true);
  store.down = true;
  await clock.advance(2_000 + 9_000);
  expect(a.events).toEqual(['started']);
  await clock.advance(1_000);
  expect(a.events).toEqual(['started', 'stopped']);
  expect(a.elector.isLeader).toBe(false);
  await done;
});

test('release on stop lets a follower take over at its next retry', async () => {
  const clock = new FakeClock();
  const store = new MemoryLease();
  const a = candidate('a', store, clock);
  const b = candidate('b', store, clock);
  void a.elector.start();
  await flush();
  void b.elector.start();
  await clock.advance(3_000);
  await a.elector.stop();
  expect(store.lease?.spec?.holderIdentity).toBe('');
  await clock.advance(2_000);
  expect(b.elector.isLeader).toBe(true);
  expect(store.lease?.spec?.leaseTransitions).toBe(1);
  await b.elector.stop();
});

test('two candidates racing for a free lease: exactly one wins', async () => {
  const clock = new FakeClock();
  const store = new MemoryLease();
  store.lease = { metadata: { name: 'l', resourceVersion: '1' }, spec: { holderIdentity: '' } };
  store.version = 1;
  const a = candidate('a', store, clock);
  const b = candidate('b', store, clock);
  void a.elector.start();
  void b.elector.start();
  await clock.advance(6_000);
  expect([a.elector.isLeader, b.elector.isLeader].filter(Boolean)).toHaveLength(1);
  await a.elector.stop();
  await b.elector.stop();
});
