// Leader election on a coordination.k8s.io/v1 Lease, following client-go's leaderelection:
// - a candidate takes the lease when it is free or its holder has not renewed it for a whole
//   lease duration, measured on the candidate's own clock from when it last saw the record change
//   (so clock skew between nodes does not matter);
// - every write carries the resourceVersion it read (optimistic concurrency): of two candidates,
//   one gets a 409 Conflict and stays a follower;
// - the leader renews every retry period and gives up leadership when it could not renew within
//   the renew deadline (shorter than the lease duration, so it stops before anyone else starts);
// - on shutdown the leader releases the lease so a follower takes over at its next retry.
//
// Fencing: each leadership term has one AbortSignal, handed to onStartedLeading, that the
// operator puts on every request and reconcile of the term. The renew deadline is counted from
// the start of the last successful renewal (the earliest moment the API server can have stored
// it, so the earliest a follower can start counting the lease duration), every renewal request is
// aborted when the deadline passes, and the term's signal aborts right then, before
// onStoppedLeading: no request of the old term is sent, or still waiting for its answer, after
// the deadline, which comes a lease duration minus the renew deadline (5 s by default) before any
// follower may take over.
import type { Logger } from 'pino';
import { sleep, systemClock, type Clock } from './clock.ts';
import type { KubeRequester } from './client.ts';
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

/** The three calls leader election makes; a 409 from create/update means "someone else won". `signal` bounds each call. */
export interface LeaseStore {
  get(signal: AbortSignal): Promise<Lease | undefined>;
  create(lease: Lease, signal: AbortSignal): Promise<Lease>;
  update(lease: Lease, signal: AbortSignal): Promise<Lease>;
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
  /** `term` aborts when leadership ends (lost, or given up by stop()). */
  onStartedLeading: (term: AbortSignal) => void;
  /** Called after the term's signal aborted, when the lease was lost (not on stop()). */
  onStoppedLeading: () => void;
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** An AbortSignal that aborts after `ms` on `clock`; `cancel` clears its timer. */
function deadlineSignal(clock: Clock, ms: number): { signal: AbortSignal; cancel: () => void } {
  const controller = new AbortController();
  const handle = clock.setTimeout(() => controller.abort(new Error(`lease request cut off at the renew deadline`)), ms);
  return { signal: controller.signal, cancel: () => clock.clearTimeout(handle) };
}

export class LeaderElector {
  readonly #o: Required<Omit<LeaderElectorOptions, 'clock' | 'random'>> & { clock: Clock; random: () => number };
  readonly #stop = new AbortController();
  #observed: string | undefined;
  #observedAt = 0;
  #lease: Lease | undefined;
  #term: AbortController | undefined;
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
    return this.#term !== undefined && !this.#term.signal.aborted;
  }

  /** Starts campaigning; resolves once leadership is lost or the elector is stopped. */
  start(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  /** Stops campaigning or renewing, ends the term and releases the lease if held. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    if (!this.isLeader) return;
    this.#term!.abort(new Error('leadership given up'));
    await this.#release();
  }

  async #run(): Promise<void> {
    const { clock, retryPeriodMs, renewDeadlineMs, log } = this.#o;
    const stopped = this.#stop.signal;
    let renewedAt = clock.now();
    // Acquiring: each attempt is bounded like a renewal, so a slow success still leaves the term its deadline.
    while (!stopped.aborted && !(await this.#attempt(renewedAt + renewDeadlineMs))) {
      await sleep(clock, retryPeriodMs * (1 + 0.2 * this.#o.random()), stopped);
      renewedAt = clock.now();
    }
    if (stopped.aborted) return;
    const term = (this.#term = new AbortController());
    log.info({ identity: this.#o.identity }, 'became leader');
    this.#o.onStartedLeading(term.signal);
    for (;;) {
      await sleep(clock, retryPeriodMs, stopped);
      if (stopped.aborted) return;
      const deadline = renewedAt + renewDeadlineMs;
      let renewed = false;
      while (!renewed && !stopped.aborted && clock.now() < deadline) {
        const startedAt = clock.now();
        renewed = await this.#attempt(deadline);
        if (renewed) renewedAt = startedAt;
        else await sleep(clock, Math.min(retryPeriodMs, Math.max(0, deadline - clock.now())), stopped);
      }
      if (stopped.aborted) return;
      if (!renewed) {
        term.abort(new Error('leadership lost: the lease was not renewed within the renew deadline'));
        log.warn({ identity: this.#o.identity }, 'lost leadership: could not renew the lease within the renew deadline');
        this.#o.onStoppedLeading();
        return;
      }
    }
  }

  /** One get-then-create-or-update, with every request aborted at `deadline` (clock time). */
  async #attempt(deadline: number): Promise<boolean> {
    const { clock } = this.#o;
    const bound = deadlineSignal(clock, Math.max(0, deadline - clock.now()));
    try {
      return await this.#tryAcquireOrRenew(bound.signal);
    } finally {
      bound.cancel();
    }
  }

  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
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
      const current = await store.get(signal);
      signal.throwIfAborted();
      if (!current) {
        this.#remember(await store.create({ metadata: { name: '' }, spec: desired }, signal), now);
        return !signal.aborted;
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
      this.#remember(await store.update({ ...current, spec: desired }, signal), now);
      // An answer that arrives after the deadline does not count: the term may already be over.
      return !signal.aborted;
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
    const bound = deadlineSignal(this.#o.clock, this.#o.renewDeadlineMs);
    try {
      await this.#o.store.update(
        { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: microTime(now), renewTime: microTime(now) } },
        bound.signal,
      );
      this.#o.log.info({ identity: this.#o.identity }, 'released leadership');
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message }, 'could not release the lease');
    } finally {
      bound.cancel();
    }
  }
}

/** The Lease `name` in `namespace`, read and written through the operator's client. */
export function leaseStore(client: KubeRequester, namespace: string, name: string): LeaseStore {
  const rt = resources.lease;
  const path = objectPath(rt, namespace, name);
  return {
    async get(signal) {
      try {
        return await client.request<Lease>('GET', path, { signal });
      } catch (err) {
        if (isApiError(err, 404)) return undefined;
        throw err;
      }
    },
    create: (lease, signal) =>
      client.request<Lease>('POST', collectionPath(rt, namespace), {
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease, metadata: { name, namespace } },
        signal,
      }),
    update: (lease, signal) => client.request<Lease>('PUT', path, { body: lease, signal }),
  };
}

/** Leadership without election, for a single operator: one term, from start() until stop(). */
export class SoleLeader {
  readonly #term = new AbortController();
  readonly #onStartedLeading: (term: AbortSignal) => void;
  #started = false;

  constructor(opts: Pick<LeaderElectorOptions, 'onStartedLeading'>) {
    this.#onStartedLeading = opts.onStartedLeading;
  }

  get isLeader(): boolean {
    return this.#started && !this.#term.signal.aborted;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#onStartedLeading(this.#term.signal);
  }

  async stop(): Promise<void> {
    this.#term.abort(new Error('operator stopped'));
  }
}
