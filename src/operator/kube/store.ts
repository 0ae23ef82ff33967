// The informer cache: objects by `namespace/name`, never going backwards in resourceVersion.
// That rule lets the operator write its own API responses into the cache ("write-through") so the
// next reconcile sees what it just wrote even before the watch event arrives, without a late
// watch event or an older list snapshot undoing it.
import { compareResourceVersions, objectKey, type KubeObject } from './types.ts';

export type StoreChange<T> =
  | { type: 'add'; obj: T }
  | { type: 'update'; obj: T; old: T }
  | { type: 'delete'; obj: T };

export class Store<T extends KubeObject> {
  readonly #items = new Map<string, T>();

  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  get size(): number {
    return this.#items.size;
  }

  keys(): IterableIterator<string> {
    return this.#items.keys();
  }

  values(): IterableIterator<T> {
    return this.#items.values();
  }

  /** Inserts or replaces unless the cached copy is the same or a newer version. */
  upsert(obj: T): StoreChange<T> | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (old) {
      const cmp = compareResourceVersions(obj.metadata.resourceVersion, old.metadata.resourceVersion);
      if (cmp !== undefined && cmp <= 0) return undefined;
      if (cmp === undefined && obj.metadata.resourceVersion === old.metadata.resourceVersion) return undefined;
    }
    this.#items.set(key, obj);
    return old ? { type: 'update', obj, old } : { type: 'add', obj };
  }

  delete(obj: T): StoreChange<T> | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#items.delete(key);
    return { type: 'delete', obj: old };
  }

  /**
   * Makes the cache equal to a full list taken at `listVersion`. Cached objects absent from the
   * list are dropped unless they are newer than the list (written through after it was taken).
   */
  replace(items: T[], listVersion: string): StoreChange<T>[] {
    const changes: StoreChange<T>[] = [];
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKey(obj));
      const change = this.upsert(obj);
      if (change) changes.push(change);
    }
    for (const [key, old] of this.#items) {
      if (seen.has(key)) continue;
      const cmp = compareResourceVersions(old.metadata.resourceVersion, listVersion);
      if (cmp !== undefined && cmp > 0) continue;
      this.#items.delete(key);
      changes.push({ type: 'delete', obj: old });
    }
    return changes;
  }
}
