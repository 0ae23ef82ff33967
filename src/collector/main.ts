// Running the collector as a process: load and validate the config, start, wait for SIGTERM/SIGINT,
// drain within the deadline, exit 0. Config errors are printed one per line, exit code 1.
import type { Logger } from 'pino';
import { parseDuration } from '../contract/duration.ts';
import type { Env } from './config/expand.ts';
import { formatIssue, type ConfigIssue } from './config/issues.ts';
import { loadConfigFiles } from './config/load.ts';
import { validateConfig, type CollectorConfig } from './config/validate.ts';
import { factoriesFor } from './component-loaders.ts';
import type { Factories } from './factories.ts';
import { ListenError } from './listen.ts';
import { Collector } from './service/collector.ts';
import { routeGrpcLogs } from './service/grpc-logs.ts';
import { createLogger } from './service/logger.ts';
import { releaseStartupMemory } from './processors/force-gc.ts';
import { restoreTiering } from './startup-tiering.ts';

export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

export interface LoadedConfig {
  readonly config?: CollectorConfig;
  readonly issues: readonly ConfigIssue[];
  /** Environment variables referenced but not set (expanded to ""). */
  readonly unset: readonly string[];
}

/** `factories` defaults to those of the component types the config names (only their code is loaded). */
export async function loadCollectorConfig(paths: readonly string[], env: Env = process.env, factories?: Factories): Promise<LoadedConfig> {
  if (paths.length === 0) return { issues: [{ path: '', message: 'no config given (use --config FILE)' }], unset: [] };
  const raw = await loadConfigFiles(paths, env);
  if (raw.issues.length > 0) return { issues: raw.issues, unset: raw.expansion.unset };
  const result = validateConfig(raw.expansion.value, factories ?? (await factoriesFor(raw.expansion.value)), raw.expansion.originals);
  return { ...result, unset: raw.expansion.unset };
}

/** Drain timeout from COLLECTOR_DRAIN_TIMEOUT: a Go duration ("45s") or a number of seconds. */
export function drainTimeoutFrom(text: string | undefined): number | string {
  if (text === undefined || text === '') return DEFAULT_DRAIN_TIMEOUT_MS;
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : parseDuration(text);
  if (ms === undefined || ms < 0) return `invalid drain timeout "${text}" (expected e.g. "30s" or 30)`;
  return ms;
}

export interface RunOptions {
  readonly configPaths: readonly string[];
  readonly drainTimeoutMs: number;
  readonly env?: Env;
  readonly factories?: Factories;
}

export async function runCollector(options: RunOptions): Promise<number> {
  const loaded = await loadCollectorConfig(options.configPaths, options.env, options.factories);
  if (!loaded.config) {
    printIssues(loaded.issues);
    return 1;
  }
  const logger = createLogger(loaded.config.service.telemetry);
  routeGrpcLogs(logger);
  for (const name of loaded.unset) logger.warn({ name }, 'Configuration references unset environment variable');
  let collector: Collector;
  try {
    collector = new Collector(loaded.config, logger);
    await collector.start();
  } catch (error) {
    // A taken port is the user's to fix, in the field the message names: one line, no stack.
    if (error instanceof ListenError) logger.error(`collector failed to start: ${error.message}`);
    else logger.error({ err: error }, `collector failed to start: ${(error as Error).message}`);
    return 1;
  }
  // Started: the request path tiers up as V8 would, and what start-up alone used is given back.
  restoreTiering();
  releaseStartupMemory();
  const signal = await stopSignal(logger);
  logger.info({ signal, drain_timeout_ms: options.drainTimeoutMs }, 'Received signal from OS');
  await collector.shutdown(Date.now() + options.drainTimeoutMs);
  return 0;
}

export function printIssues(issues: readonly ConfigIssue[]): void {
  for (const entry of issues) process.stderr.write(`error: ${formatIssue(entry)}\n`);
}

function stopSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        logger.warn({ signal }, 'already shutting down; waiting for the drain deadline');
        return;
      }
      received = true;
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
