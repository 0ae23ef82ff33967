// file_storage extension (contrib), as the storage of persistent sending queues. Upstream keeps each
// client in a bbolt file; this one gives each exporter and signal a queue directory of its own
// (file-queue-store.ts), named as upstream names its file (`exporter_otlp_backend_traces`) plus
// `.tpo-queue`, so both collectors can share a volume without reading each other's files. The directory
// is held exclusively while the extension runs (dir-lock.ts). Fields of bbolt's that mean nothing for an
// append-only log are refused as unsupported rather than ignored.
import { statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ComponentContext, ExtensionFactory, Lifecycle, Signal } from '../component.ts';
import { duration } from '../config/duration.ts';
import { parseComponentId } from '../config/ids.ts';
import { FileQueueStore } from '../exporters/file-queue-store.ts';
import type { QueueStore } from '../exporters/queue-store.ts';
import type { StorageExtension } from '../exporters/storage.ts';
import { describe, lockDirectory, type DirLock } from './dir-lock.ts';

export const DEFAULT_DIRECTORY = '/var/lib/otelcol/file_storage';

function unsupported(message: string) {
  return z.unknown().optional().refine((value) => value === undefined, { message: `unsupported: ${message}` });
}

const NOT_BBOLT = 'the queue files are append-only logs whose space is freed as they drain, so there is nothing to compact';

// Upstream's compaction block: accepted when it asks for nothing (its defaults), refused when it would act.
const compactionSchema = z.strictObject({
  on_start: z.literal(false, { message: `unsupported: compaction.on_start: ${NOT_BBOLT}` }).optional(),
  on_rebound: z.literal(false, { message: `unsupported: compaction.on_rebound: ${NOT_BBOLT}` }).optional(),
  directory: z.string().optional(),
  max_transaction_size: z.number().int().nonnegative({ message: 'max transaction size for compaction cannot be less than 0' }).optional(),
  rebound_needed_threshold_mib: z.number().int().optional(),
  rebound_trigger_threshold_mib: z.number().int().optional(),
  check_interval: duration.optional(),
  cleanup_on_start: z.boolean().optional(),
});

/** Octal permission bits, as upstream parses `directory_permissions`; a message when they are not. */
function permissionProblem(text: string): string | undefined {
  if (!/^[0-7]+$/.test(text)) return 'directory_permissions value must be a valid octal representation';
  const value = Number.parseInt(text, 8);
  return (value & 0o777) === value ? undefined : 'directory_permissions contain invalid bits for file access';
}

/** The mode directories are made with; upstream's default where the setting is not checked (create_directory off). */
export function directoryMode(cfg: FileStorageConfig): number {
  return permissionProblem(cfg.directory_permissions) === undefined ? Number.parseInt(cfg.directory_permissions, 8) : 0o750;
}

export const fileStorageConfigSchema = z
  .strictObject({
    directory: z.string().min(1).default(DEFAULT_DIRECTORY),
    /** How long start waits for the directory while another live process holds it. */
    timeout: duration.default(1000),
    fsync: z.boolean().default(false),
    create_directory: z.boolean().default(false),
    /** Octal, as text; checked only with create_directory, as upstream. */
    directory_permissions: z.string().default('0750'),
    compaction: compactionSchema.optional(),
    max_size: unsupported('max_size (a bbolt file size limit); bound the queue with sending_queue.queue_size and sizer: bytes').optional(),
    recreate: unsupported('recreate (renames a corrupt bbolt file); a damaged queue record is cut off or skipped and logged').optional(),
  })
  .superRefine((cfg, ctx) => {
    // As upstream, a missing directory is a config error unless the extension may create it.
    if (cfg.create_directory) {
      const problem = permissionProblem(cfg.directory_permissions);
      if (problem) ctx.addIssue({ code: 'custom', path: ['directory_permissions'], message: problem });
      return;
    }
    try {
      if (!statSync(cfg.directory).isDirectory()) ctx.addIssue({ code: 'custom', path: ['directory'], message: `${cfg.directory} is not a directory` });
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['directory'], message: `directory must exist: ${(error as Error).message}. You can enable the create_directory option to automatically create it` });
    }
  });

export type FileStorageConfig = z.output<typeof fileStorageConfigSchema>;

/** Upstream's file name for a client: unsafe characters become `~` and their code point in hex. */
export function clientName(exporterId: string, signal: Signal): string {
  const parsed = parseComponentId(exporterId);
  const { type, name } = typeof parsed === 'string' ? { type: exporterId, name: '' } : parsed;
  const raw = `exporter_${type}_${name}_${signal}`;
  let out = '';
  for (const character of raw) {
    out += /^[A-Za-z0-9._-]$/.test(character) ? character : `~${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return out;
}

export const QUEUE_SUFFIX = '.tpo-queue';

class FileStorage implements Lifecycle, StorageExtension {
  readonly #ctx: ComponentContext;
  readonly #cfg: FileStorageConfig;
  #lock: DirLock | undefined;

  constructor(ctx: ComponentContext, cfg: FileStorageConfig) {
    this.#ctx = ctx;
    this.#cfg = cfg;
  }

  get directory(): string {
    return this.#cfg.directory;
  }

  async start(): Promise<void> {
    const { directory } = this.#cfg;
    if (this.#cfg.create_directory) await mkdir(directory, { recursive: true, mode: directoryMode(this.#cfg) });
    try {
      this.#lock = await lockDirectory(directory, {
        timeoutMs: this.#cfg.timeout,
        onWait: (holder) => this.#ctx.logger.info({ directory, holder: describe(holder) }, 'file_storage: waiting for the directory to be released or its lock to go stale'),
        onLost: (by) => this.#ctx.logger.error({ directory, holder: describe(by) },
          'file_storage: another process took over this directory (this one did not refresh its lock in time); its queues may be sent twice'),
      });
    } catch (error) {
      throw new Error(`extensions.${this.#ctx.id}: ${(error as Error).message}`, { cause: error });
    }
  }

  async shutdown(): Promise<void> {
    await this.#lock?.release();
    this.#lock = undefined;
  }

  queueStore(exporterId: string, signal: Signal, logger: Logger): QueueStore {
    return new FileQueueStore({
      directory: join(this.#cfg.directory, clientName(exporterId, signal) + QUEUE_SUFFIX),
      signal,
      fsync: this.#cfg.fsync,
      directoryMode: directoryMode(this.#cfg),
      logger,
    });
  }
}

export const fileStorageExtensionFactory: ExtensionFactory<FileStorageConfig> = {
  type: 'file_storage',
  configSchema: fileStorageConfigSchema,
  create: (ctx, cfg) => new FileStorage(ctx, cfg),
};
