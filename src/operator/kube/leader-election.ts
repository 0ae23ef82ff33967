// Leader election on a coordination.k8s.io/v1 Lease, following client-go's leaderelection:
// - a candidate takes the lease when it is free or its holder has not renewed it for a whole
//   lease duration, measured on the candidate's own clock from when it last saw the record change
//   (so clock skew between nodes does not matter);
// - every write carries the resourceVersion it read (optimistic concurrency): of two candidates,
//   one gets a 409 Conflict and stays a follower;
// - the leader renews every retry period and gives up leadership when it could not renew within
//   the renew deadline (shorter than the lease duration, so it stops before anyone else starts);
// - on shutdown the leader releases the lease so a follower takes over at its next retry.
import type { Logger } from 'pino';
import { sleep, systemClock, type Clock } from './clock.ts';
import type { KubeClient } from './client.ts';
import { isApiError } from './errors.ts';
import { objectPath, resources, collectionPath } from './resources.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** The three calls leader election makes; a 409 from create/update means "someone else won". */
export interface LeaseStore {
  get(): Promise<Lease | undefined>;
  create(lease: Lease): Promise<Lease>;
  update(lease: Lease): Promise<Lease>;
}

export interface LeaderElectorOptions {
  identity: string;
  store: LeaseStore;
  log: Logger;
  clock?: Clock;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  random?: () => number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectorOptions, 'clock' | 'random'>> & { clock: Clock; random: () => number };
  readonly #stop = new AbortController();
  #observed: string | undefined;
  #observedAt = 0;
  #lease: Lease | undefined;
  #leader = false;
  #running: Promise<void> | undefined;

  constructor(opts: LeaderElectorOptions) {
    this.#o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      clock: systemClock,
      random: Math.random,
      ...opts,
    };
    if (this.#o.renewDeadlineMs >= this.#o.leaseDurationMs) throw new Error('renew deadline must be shorter than the lease duration');
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  /** Starts campaigning; resolves once leadership is lost or the elector is stopped. */
  start(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  /** Stops campaigning or renewing and releases the lease if held. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    if (!this.#leader) return;
    this.#leader = false;
    await this.#release();
  }

  async #run(): Promise<void> {
    const { clock, retryPeriodMs, renewDeadlineMs, log } = this.#o;
    const signal = this.#stop.signal;
    while (!signal.aborted && !(await this.#tryAcquireOrRenew())) {
      await sleep(clock, retryPeriodMs * (1 + 0.2 * this.#o.random()), signal);
    }
    if (signal.aborted) return;
    this.#leader = true;
    log.info({ identity: this.#o.identity }, 'became leader');
    this.#o.onStartedLeading();
    for (;;) {
      await sleep(clock, retryPeriodMs, signal);
      if (signal.aborted) return;
      const deadline = clock.now() + renewDeadlineMs;
      let renewed = await this.#tryAcquireOrRenew();
      while (!renewed && !signal.aborted && clock.now() + retryPeriodMs <= deadline) {
        await sleep(clock, retryPeriodMs, signal);
        if (!signal.aborted) renewed = await this.#tryAcquireOrRenew();
      }
      if (signal.aborted) return;
      if (!renewed) {
        this.#leader = false;
        log.warn({ identity: this.#o.identity }, 'lost leadership: could not renew the lease within the renew deadline');
        this.#o.onStoppedLeading();
        return;
      }
    }
  }

  async #tryAcquireOrRenew(): Promise<boolean> {
    const { clock, identity, store, leaseDurationMs, log } = this.#o;
    const now = clock.now();
    const desired: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.round(leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      const current = await store.get();
      if (!current) {
        this.#remember(await store.create({ metadata: { name: '' }, spec: desired }), now);
        return true;
      }
      const spec = current.spec ?? {};
      const record = JSON.stringify(spec);
      if (record !== this.#observed) {
        this.#observed = record;
        this.#observedAt = now;
      }
      const holder = spec.holderIdentity ?? '';
      const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
      if (holder !== '' && holder !== identity && this.#observedAt + durationMs > now) return false;
      if (holder === identity) {
        desired.acquireTime = spec.acquireTime ?? desired.acquireTime;
        desired.leaseTransitions = spec.leaseTransitions ?? 0;
      } else {
        desired.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
      }
      this.#remember(await store.update({ ...current, spec: desired }), now);
      return true;
    } catch (err) {
      if (!isApiError(err, 409)) log.warn({ err: (err as Error).message }, 'lease request failed');
      return false;
    }
  }

  #remember(lease: Lease, now: number): void {
    this.#lease = lease;
    this.#observed = JSON.stringify(lease.spec ?? {});
    this.#observedAt = now;
  }

  async #release(): Promise<void> {
    const lease = this.#lease;
    if (!lease || lease.spec?.holderIdentity !== this.#o.identity) return;
    const now = this.#o.clock.now();
    try {
      await this.#o.store.update({
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: microTime(now), renewTime: microTime(now) },
      });
      this.#o.log.info({ identity: this.#o.identity }, 'released leadership');
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message }, 'could not release the lease');
    }
  }
}

/** The Lease `name` in `namespace`, read and written through the operator's client. */
export function leaseStore(client: KubeClient, namespace: string, name: string, timeoutMs = 10_000): LeaseStore {
  const rt = resources.lease;
  const path = objectPath(rt, namespace, name);
  return {
    async get() {
      try {
        return await client.request<Lease>('GET', path, { timeoutMs });
      } catch (err) {
        if (isApiError(err, 404)) return undefined;
        throw err;
      }
    },
    create: (lease) =>
      client.request<Lease>('POST', collectionPath(rt, namespace), {
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease, metadata: { name, namespace } },
        timeoutMs,
      }),
    update: (lease) => client.request<Lease>('PUT', path, { body: lease, timeoutMs }),
  };
}
