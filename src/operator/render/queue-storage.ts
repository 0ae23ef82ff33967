// spec.persistence -> upstream's file_storage extension and every exporter's sending_queue.storage, so both the
// Node collector and the upstream contrib image keep their queues in the volume the pod mounts at QUEUE_DIR.
import { QUEUE_DIR, type Persistence } from '../../api/spec-persistence.ts';
import type { OtlpGrpcExporterSection, OtlpHttpExporterSection } from '../../collector/config/document.ts';

/** The extension id the exporters' queues name. */
export const QUEUE_STORAGE = 'file_storage/queue';

export interface FileStorageSection {
  directory: string;
  create_directory: boolean;
}

/** The file_storage extension by id; none without persistence. */
export function queueStorageExtensions(persistence: Persistence | undefined): Record<string, FileStorageSection> {
  return persistence ? { [QUEUE_STORAGE]: { directory: QUEUE_DIR, create_directory: true } } : {};
}

type ExporterSection = OtlpGrpcExporterSection | OtlpHttpExporterSection;

/** Each exporter's queue kept in the storage extension, when there is one. */
export function withQueueStorage(exporters: Record<string, ExporterSection>, storage: Record<string, FileStorageSection>): Record<string, ExporterSection> {
  const id = Object.keys(storage)[0];
  if (id === undefined) return exporters;
  return Object.fromEntries(
    Object.entries(exporters).map(([name, section]) => {
      const sendingQueue = { ...section.sending_queue, storage: id };
      return [name, { ...section, sending_queue: sendingQueue }];
    }),
  );
}
