// The ListerWatcher for a real API server: paginated lists and watch streams through KubeClient,
// with bookmarks on and a randomised server-side timeout so many informers do not reconnect in
// lockstep. The watch has no client-side timeout: the informer's inactivity timer relists a
// stream that went silent, and its stop signal ends one at once.
import type { KubeClient } from './client.ts';
import type { ListerWatcher, WatchEvent } from './informer.ts';
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
      const query = {
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.floor(timeout * (1 + random())),
        labelSelector: opts.labelSelector,
      };
      return client.watch(path, query, (event) => onEvent(event as WatchEvent<T>), signal);
    },
  };
}
