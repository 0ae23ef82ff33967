// A sending queue's `storage`: the id of a storage extension (file_storage) listed in
// service.extensions, which gives each exporter and signal a store of its own. Resolved when the
// exporter starts, after the extensions, as upstream does (its errors are start errors too).
import type { Logger } from 'pino';
import type { Extensions } from '../auth.ts';
import type { Signal } from '../component.ts';
import type { QueueStore } from './queue-store.ts';

export interface StorageExtension {
  /** The store of one exporter's queue for one signal; stores of different owners never share files. */
  queueStore(exporterId: string, signal: Signal, logger: Logger): QueueStore;
}

export function storageExtension(extensions: Extensions | undefined, id: string, setting: string): StorageExtension {
  const extension = extensions?.get(id);
  if (!extension) throw new Error(`${setting}: no storage client extension found: "${id}" is not configured and listed in service.extensions`);
  if (typeof (extension as Partial<StorageExtension>).queueStore !== 'function') {
    throw new Error(`${setting}: requested extension "${id}" is not a storage extension`);
  }
  return extension as unknown as StorageExtension;
}
