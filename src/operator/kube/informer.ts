// List+watch into a Store, with the failure handling of client-go's reflector and kube-rs' watcher:
// - watch from the list's resourceVersion with bookmarks on, so quiet resources still advance it;
// - a normal end of the watch (server timeout) resumes from the last resourceVersion;
// - 410 Gone (as an HTTP status or a watch ERROR event) and a watch silent for too long relist;
// - any other failure waits a jittered exponential backoff (0.8s..30s) that resets after a quiet period.
import type { Logger } from 'pino';
import { JitteredBackoff } from './backoff.ts';
import { sleep, systemClock, type Clock, type TimerHandle } from './clock.ts';
import { ApiError, isApiError } from './errors.ts';
import { Store, type StoreChange } from './store.ts';
import type { KubeObject, StatusObject } from './types.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T> {
  type: WatchEventType;
  object: T | StatusObject;
}

export interface ListerWatcher<T> {
  list(signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }>;
  /** Streams events until the server ends the watch (resolves) or it fails (rejects). Aborting `signal` ends it. */
  watch(resourceVersion: string, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void>;
}

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(obj: T, old: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions<T> {
  name: string;
  lw: ListerWatcher<T>;
  log: Logger;
  clock?: Clock;
  backoff?: JitteredBackoff;
  /** Relist when the watch delivered nothing (not even a bookmark) for this long. */
  inactivityMs?: number;
  /** A watch that ends sooner than this without events counts as a failure (guards a tight loop). */
  minWatchMs?: number;
}

class WatchInactive extends Error {}

export class Informer<T extends KubeObject> {
  readonly store = new Store<T>();
  readonly #opts: InformerOptions<T>;
  readonly #clock: Clock;
  readonly #backoff: JitteredBackoff;
  readonly #handlers: InformerHandlers<T>[] = [];
  readonly #stop = new AbortController();
  readonly #syncWaiters: (() => void)[] = [];
  #synced = false;
  #running: Promise<void> | undefined;
  #relists = 0;

  constructor(opts: InformerOptions<T>) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#backoff = opts.backoff ?? new JitteredBackoff();
  }

  get name(): string {
    return this.#opts.name;
  }

  get synced(): boolean {
    return this.#synced;
  }

  /** Number of full lists so far (the first one included). */
  get lists(): number {
    return this.#relists;
  }

  on(handlers: InformerHandlers<T>): void {
    this.#handlers.push(handlers);
  }

  start(): void {
    this.#running ??= this.#run();
  }

  waitForSync(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  /** Puts an object the operator itself just wrote into the cache; handlers are not called. */
  writeThrough(obj: T): void {
    this.store.upsert(obj);
  }

  async #run(): Promise<void> {
    const log = this.#opts.log.child({ informer: this.#opts.name });
    let resourceVersion = '';
    let needList = true;
    while (!this.#stop.signal.aborted) {
      try {
        if (needList) {
          const list = await this.#opts.lw.list(this.#stop.signal);
          this.#relists++;
          this.#emit(this.store.replace(list.items, list.resourceVersion));
          resourceVersion = list.resourceVersion;
          needList = false;
          this.#markSynced();
        }
        resourceVersion = await this.#watchOnce(resourceVersion);
      } catch (err) {
        if (this.#stop.signal.aborted) break;
        if (isApiError(err, 410) || err instanceof WatchInactive) {
          log.info({ reason: (err as Error).message }, 'relisting');
          needList = true;
          continue;
        }
        const delay = this.#backoff.next(this.#clock.now());
        log.warn({ err: (err as Error).message, retryInMs: Math.round(delay) }, 'list/watch failed');
        await sleep(this.#clock, delay, this.#stop.signal);
      }
    }
  }

  /** Runs one watch; returns the resourceVersion to resume from, or throws to relist / back off. */
  async #watchOnce(fromVersion: string): Promise<string> {
    const abort = new AbortController();
    const onStop = () => abort.abort();
    this.#stop.signal.addEventListener('abort', onStop, { once: true });
    let resourceVersion = fromVersion;
    let failure: Error | undefined;
    let events = 0;
    const started = this.#clock.now();
    const inactivityMs = this.#opts.inactivityMs ?? 0;
    let timer: TimerHandle | undefined;
    const arm = () => {
      if (inactivityMs <= 0) return;
      if (timer !== undefined) this.#clock.clearTimeout(timer);
      timer = this.#clock.setTimeout(() => {
        failure ??= new WatchInactive(`no watch event for ${inactivityMs}ms`);
        abort.abort();
      }, inactivityMs);
    };
    arm();
    try {
      await this.#opts.lw.watch(
        fromVersion,
        (event) => {
          if (failure) return;
          events++;
          arm();
          if (event.type === 'ERROR') {
            const s = event.object as StatusObject;
            failure = new ApiError('WATCH', this.#opts.name, s.code ?? 500, s.reason ?? 'Unknown', s.message ?? 'watch error');
            abort.abort();
            return;
          }
          const obj = event.object as T;
          resourceVersion = obj.metadata?.resourceVersion ?? resourceVersion;
          if (event.type === 'ADDED' || event.type === 'MODIFIED') this.#emit([this.store.upsert(obj)]);
          else if (event.type === 'DELETED') this.#emit([this.store.delete(obj)]);
          this.#backoff.reset();
        },
        abort.signal,
      );
    } catch (err) {
      failure ??= err as Error;
    } finally {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
      this.#stop.signal.removeEventListener('abort', onStop);
    }
    if (failure) throw failure;
    if (events === 0 && this.#clock.now() - started < (this.#opts.minWatchMs ?? 100)) {
      throw new Error('watch ended immediately without events');
    }
    return resourceVersion;
  }

  #emit(changes: (StoreChange<T> | undefined)[]): void {
    for (const change of changes) {
      if (!change) continue;
      for (const h of this.#handlers) {
        if (change.type === 'add') h.add?.(change.obj);
        else if (change.type === 'update') h.update?.(change.obj, change.old);
        else h.delete?.(change.obj);
      }
    }
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    for (const resolve of this.#syncWaiters.splice(0)) resolve();
  }
}
