// `tpo collector --config FILE --drain-persistent-queues [--drain-timeout 10m]`: sends what persistent
// sending queues hold on disk and exits, for a volume a scaled-in collector left behind. Runs only the
// exporters whose queue has `storage` and the extensions they name (storage, auth): no receivers, no
// listeners. Exit 0 once every persistent queue is empty; 1 with one line saying what is left when the
// timeout passes first (what is left stays on disk).
import { dirname } from 'node:path';
import type { CollectorConfig } from './config/validate.ts';
import type { Env } from './config/expand.ts';
import { loadCollectorConfig, printIssues } from './main.ts';
import { Collector } from './service/collector.ts';
import { createLogger } from './service/logger.ts';

export const DEFAULT_DRAIN_QUEUES_TIMEOUT_MS = 10 * 60_000;
const POLL_MS = 200;

interface QueueSettings {
  readonly sending_queue?: { readonly enabled?: boolean; readonly storage?: string };
  readonly auth?: { readonly authenticator?: string };
}

/** The part of a config a drain run starts; undefined when no exporter has a persistent queue. */
export function drainConfig(config: CollectorConfig): CollectorConfig | undefined {
  const persistent = new Set<string>();
  const extensions = new Set<string>();
  for (const [id, { config: settings }] of config.exporters) {
    const { sending_queue: queue, auth } = settings as QueueSettings;
    if (!queue?.enabled || queue.storage === undefined) continue;
    persistent.add(id);
    extensions.add(queue.storage);
    if (auth?.authenticator !== undefined) extensions.add(auth.authenticator);
  }
  if (persistent.size === 0) return undefined;
  const pipelines = config.service.pipelines
    .map((pipeline) => ({ ...pipeline, receivers: [], processors: [], exporters: pipeline.exporters.filter((id) => persistent.has(id)) }))
    .filter((pipeline) => pipeline.exporters.length > 0);
  const { telemetry } = config.service;
  return {
    ...config,
    receivers: new Map(),
    processors: new Map(),
    service: {
      extensions: config.service.extensions.filter((id) => extensions.has(id)),
      pipelines,
      telemetry: { ...telemetry, metrics: { ...telemetry.metrics, level: 'none' } },
    },
  };
}

export interface DrainOptions {
  readonly configPaths: readonly string[];
  readonly timeoutMs: number;
  /** The timeout as the user wrote it, for the message. */
  readonly timeoutText: string;
  readonly env?: Env;
}

export async function drainPersistentQueues(options: DrainOptions): Promise<number> {
  const loaded = await loadCollectorConfig(options.configPaths, options.env);
  if (!loaded.config) {
    printIssues(loaded.issues);
    return 1;
  }
  const logger = createLogger(loaded.config.service.telemetry);
  const config = drainConfig(loaded.config);
  if (!config) {
    logger.info('No exporter has a persistent queue (sending_queue.storage): nothing to drain');
    return 0;
  }
  const collector = new Collector(config, logger);
  try {
    await collector.start();
  } catch (error) {
    logger.error(`collector failed to start: ${(error as Error).message}`);
    return 1;
  }
  const deadline = Date.now() + options.timeoutMs;
  // A Job being deleted: stop as at the timeout, so the lock is released and what is left is reported.
  let stopped = false;
  const onSignal = () => (stopped = true);
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  const held = () => collector.exporterBacklog().filter((queue) => queue.location !== undefined && queue.requests > 0);
  while (held().length > 0 && Date.now() < deadline && !stopped) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  const left = held();
  // In-flight sends end at once; what they held stays on disk.
  await collector.shutdown(Date.now());
  if (left.length === 0) {
    logger.info('Every persistent queue is empty');
    return 0;
  }
  const items = left.reduce((sum, queue) => sum + queue.items, 0);
  const dirs = [...new Set(left.map((queue) => dirname(queue.location!)))].join(', ');
  process.stderr.write(`${items} items still queued in ${dirs} after ${options.timeoutText}\n`);
  return 1;
}
