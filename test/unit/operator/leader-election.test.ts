import { pino } from 'pino';
import { ApiError } from '../../../src/operator/kube/errors.ts';
import { LeaderElector, microTime, type Lease, type LeaseStore } from '../../../src/operator/kube/leader-election.ts';
import { FakeClock, flush } from './fake-clock.ts';

/** An in-memory Lease with the API server's optimistic concurrency (409 on a stale resourceVersion). */
class MemoryLease implements LeaseStore {
  lease: Lease | undefined;
  version = 0;
  down = false;
  /** Requests never answer (a partition): they end only when their signal aborts. */
  hang = false;
  writes: string[] = [];
  /** Requests that ended because their signal aborted. */
  cutOff = 0;

  async get(signal: AbortSignal) {
    await this.#reachable(signal);
    return this.lease && structuredClone(this.lease);
  }

  async create(lease: Lease, signal: AbortSignal) {
    await this.#reachable(signal);
    if (this.lease) throw new ApiError('POST', '/lease', 409, 'AlreadyExists', 'exists');
    return this.#store(lease);
  }

  async update(lease: Lease, signal: AbortSignal) {
    await this.#reachable(signal);
    if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw new ApiError('PUT', '/lease', 409, 'Conflict', 'stale');
    return this.#store(lease);
  }

  #reachable(signal: AbortSignal): Promise<void> {
    if (this.down) return Promise.reject(new Error('connection refused'));
    if (!this.hang) return Promise.resolve();
    return new Promise((_resolve, reject) =>
      signal.addEventListener('abort', () => {
        this.cutOff++;
        reject(signal.reason as Error);
      }, { once: true }),
    );
  }

  #store(lease: Lease) {
    this.lease = { ...structuredClone(lease), metadata: { ...lease.metadata, resourceVersion: String(++this.version) } };
    this.writes.push(`${this.lease.spec?.holderIdentity}`);
    return structuredClone(this.lease);
  }
}

function candidate(name: string, store: LeaseStore, clock: FakeClock) {
  const events: string[] = [];
  const terms: AbortSignal[] = [];
  const elector = new LeaderElector({
    identity: name,
    store,
    clock,
    log: pino({ level: 'silent' }),
    random: () => 0,
    onStartedLeading: (term) => {
      terms.push(term);
      events.push('started');
      term.addEventListener('abort', () => events.push(`term ended at ${clock.now() - T0}`));
    },
    onStoppedLeading: () => events.push('stopped'),
  });
  return { elector, events, terms };
}

const T0 = 1_700_000_000_000;

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

test('a leader that cannot renew ends its term at the renew deadline, counted from its last renewal, before the lease expires', async () => {
  const clock = new FakeClock(T0);
  const store = new MemoryLease();
  const a = candidate('a', store, clock);
  const done = a.elector.start();
  await clock.advance(1);
  expect(a.elector.isLeader).toBe(true);
  // Renewals at 2 s and 4 s succeed; the one at 4 s started the last 10 s window.
  await clock.advance(4_000);
  store.down = true;
  await clock.advance(9_998);
  expect(a.events).toEqual(['started']);
  await clock.advance(2);
  // The term's signal aborts first, then onStoppedLeading runs; 14 s < the 15 s a follower waits after 4 s.
  expect(a.events).toEqual(['started', 'term ended at 14000', 'stopped']);
  expect(a.elector.isLeader).toBe(false);
  await done;
});

test('a renewal that hangs is cut off at the deadline: its requests never outlive the term', async () => {
  const clock = new FakeClock(T0);
  const store = new MemoryLease();
  const a = candidate('a', store, clock);
  const done = a.elector.start();
  await clock.advance(1);
  store.hang = true;
  // The renewal at 2 s hangs: client-go would allow its GET and its PUT 10 s each; here it ends at 0 s + 10 s.
  await clock.advance(9_998);
  expect(a.events).toEqual(['started']);
  await clock.advance(2);
  expect(a.events).toEqual(['started', 'term ended at 10000', 'stopped']);
  expect(store.cutOff).toBe(1);
  expect(a.terms[0]?.aborted).toBe(true);
  await done;
  expect(clock.pending).toBe(0);
});

test('stop() ends the term before releasing the lease', async () => {
  const clock = new FakeClock(T0);
  const store = new MemoryLease();
  const a = candidate('a', store, clock);
  void a.elector.start();
  await clock.advance(1);
  const term = a.terms[0]!;
  let heldAtAbort: string | undefined;
  term.addEventListener('abort', () => (heldAtAbort = store.lease?.spec?.holderIdentity));
  await a.elector.stop();
  expect(heldAtAbort).toBe('a');
  expect(store.lease?.spec?.holderIdentity).toBe('');
  expect(a.events).toEqual(['started', 'term ended at 1']);
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
