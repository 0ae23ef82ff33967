// Kubernetes Events (events.k8s.io/v1) for what the operator did: created objects, rollouts, errors.
// Each distinct (object, reason, note) is written at most once per window, so a loop that keeps
// hitting the same error, or a converged loop, does not write events again and again.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.ts';
import type { KubeRequester } from './client.ts';
import { microTime } from './leader-election.ts';
import { collectionPath, resources } from './resources.ts';
import type { KubeObject } from './types.ts';

export const REPORTING_CONTROLLER = 'fleet.telemetry.dev/telemetry-pipeline-operator';

export interface EventInput {
  regarding: KubeObject;
  type: 'Normal' | 'Warning';
  reason: string;
  action: string;
  note: string;
}

/** Remembers recently emitted keys for `windowMs`, holding at most `maxEntries` (oldest evicted). */
export class RecentKeys {
  readonly #seen = new Map<string, number>();
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #clock: Clock;

  constructor(windowMs: number, maxEntries: number, clock: Clock = systemClock) {
    this.#windowMs = windowMs;
    this.#maxEntries = maxEntries;
    this.#clock = clock;
  }

  /** True the first time a key is seen within the window (and marks it seen). */
  admit(key: string): boolean {
    const now = this.#clock.now();
    const at = this.#seen.get(key);
    if (at !== undefined && now - at < this.#windowMs) return false;
    this.#seen.delete(key);
    this.#seen.set(key, now);
    if (this.#seen.size > this.#maxEntries) this.#seen.delete(this.#seen.keys().next().value as string);
    return true;
  }
}

export interface EventRecorderOptions {
  client: KubeRequester;
  instance: string;
  log: Logger;
  clock?: Clock;
  windowMs?: number;
}

export class EventRecorder {
  readonly #o: EventRecorderOptions;
  readonly #clock: Clock;
  readonly #recent: RecentKeys;

  constructor(opts: EventRecorderOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#recent = new RecentKeys(opts.windowMs ?? 10 * 60_000, 4096, this.#clock);
  }

  /** Writes the event in the background; losing one is logged, never fails the reconcile. */
  record(e: EventInput): void {
    const { metadata } = e.regarding;
    if (!metadata.namespace || !this.#recent.admit(`${metadata.uid}|${e.reason}|${e.note}`)) return;
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${metadata.name}.${randomBytes(8).toString('hex')}`, namespace: metadata.namespace },
      eventTime: microTime(this.#clock.now()),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.#o.instance,
      action: e.action,
      reason: e.reason,
      note: e.note.slice(0, 1024),
      type: e.type,
      regarding: {
        apiVersion: e.regarding.apiVersion,
        kind: e.regarding.kind,
        name: metadata.name,
        namespace: metadata.namespace,
        uid: metadata.uid,
        resourceVersion: metadata.resourceVersion,
      },
    };
    this.#o.client
      .request('POST', collectionPath(resources.event, metadata.namespace), { body })
      .catch((err: Error) => this.#o.log.warn({ err: err.message, reason: e.reason }, 'could not record event'));
  }
}
