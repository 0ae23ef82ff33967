// The ListerWatcher for a real API server: paginated lists through KubeClient and watch streams
// through client-node's Watch (raw JSON lines), with bookmarks on and a randomised server-side
// timeout so many informers do not reconnect in lockstep.
import { Watch } from '@kubernetes/client-node';
import type { KubeClient } from './client.ts';
import { ApiError } from './errors.ts';
import type { ListerWatcher, WatchEvent, WatchEventType } from './informer.ts';
import { apiVersionOf, collectionPath, type ResourceType } from './resources.ts';
import type { KubeObject } from './types.ts';

export interface ListWatchOptions {
  namespace?: string;
  labelSelector?: string;
  pageSize?: number;
  /** Server-side watch timeout; each watch uses a random value in [t, 2t), like client-go. */
  watchTimeoutSeconds?: number;
  random?: () => number;
}

interface ListResponse<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: T[];
}

export function listerWatcher<T extends KubeObject>(client: KubeClient, rt: ResourceType, opts: ListWatchOptions = {}): ListerWatcher<T> {
  const path = collectionPath(rt, opts.namespace);
  const apiVersion = apiVersionOf(rt);
  const watcher = new Watch(client.kubeConfig);
  const random = opts.random ?? Math.random;
  const timeout = opts.watchTimeoutSeconds ?? 300;
  return {
    async list(signal) {
      const items: T[] = [];
      let cont: string | undefined;
      let resourceVersion = '';
      do {
        const page = await client.request<ListResponse<T>>('GET', path, {
          query: { limit: opts.pageSize ?? 500, continue: cont, labelSelector: opts.labelSelector },
          signal,
        });
        // List items omit apiVersion/kind; watch events carry them. Keep the cache uniform.
        for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind: rt.kind });
        cont = page.metadata?.continue || undefined;
        resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      } while (cont);
      return { items, resourceVersion };
    },

    watch(resourceVersion, onEvent, signal) {
      // The Watch's own timer (a private field, 30s by default) is an inactivity timeout; the informer
      // runs its own, so this one only has to catch a connection that never answers.
      (watcher as unknown as { requestTimeoutMs: number }).requestTimeoutMs = (2 * timeout + 30) * 1000;
      return new Promise<void>((resolve, reject) => {
        let controller: AbortController | undefined;
        const done = (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          // A client-side inactivity timeout ends the watch like a server timeout: resume from the last version.
          if (!err || signal.aborted || (err as Error).name === 'TimeoutError') return resolve();
          const status = (err as { statusCode?: number }).statusCode;
          reject(status ? new ApiError('WATCH', path, status, (err as Error).message, 'watch request failed') : err);
        };
        const onAbort = () => controller?.abort();
        signal.addEventListener('abort', onAbort, { once: true });
        const query = {
          resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.floor(timeout * (1 + random())),
          labelSelector: opts.labelSelector,
        };
        watcher
          .watch(path, query, (type: string, object: T) => onEvent({ type: type as WatchEventType, object } as WatchEvent<T>), done)
          .then((c) => {
            controller = c;
            if (signal.aborted) c.abort();
          }, done);
      });
    },
  };
}
