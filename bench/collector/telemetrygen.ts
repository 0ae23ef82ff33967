// telemetrygen, the OpenTelemetry load generator written in Go, as the fixed-rate benchmark's independent
// load: pinned at the release of the reference collector (otelcol-pins.ts), built once from Go modules into
// ~/.cache/tpo/telemetrygen-<version>/bin (`go install`, through the module proxy), and run as several
// processes so no single connection's exports become the bottleneck.
//   node bench/collector/telemetrygen.ts        (build only)
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { withLock } from '../../test/cluster/lock.ts';
import { run } from '../../test/cluster/run.ts';
import { goBuildEnv } from './go-env.ts';
import { OTELCOL_VERSION } from './otelcol-pins.ts';

export const TELEMETRYGEN_VERSION = OTELCOL_VERSION;
const MODULE = `github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@v${TELEMETRYGEN_VERSION}`;

export function telemetrygenDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env['TPO_CACHE_DIR'] ?? join(homedir(), '.cache', 'tpo'), `telemetrygen-${TELEMETRYGEN_VERSION}`);
}

/** Builds the pinned telemetrygen unless it is there; resolves with the binary's path. */
export async function ensureTelemetrygenBinary(onBuildStart: (logFile: string) => void = () => {}): Promise<string> {
  const dir = telemetrygenDir();
  const binary = join(dir, 'bin', 'telemetrygen');
  mkdirSync(dir, { recursive: true });
  return withLock(`${dir}.lock`, 30 * 60_000, async () => {
    if (existsSync(binary)) return binary;
    const logFile = join(dir, 'build.log');
    onBuildStart(logFile);
    await run('go', ['install', MODULE], { cwd: dir, logFile, env: goBuildEnv(dir) });
    return binary;
  });
}

export interface TraceLoad {
  readonly endpoint: string;
  /** Spans per second over all processes. */
  readonly spansPerSec: number;
  /** Spans per export request (telemetrygen's --batch-size; its default is 100). */
  readonly batchSize: number;
  readonly gzip: boolean;
  readonly durationMs: number;
  /** Spans per second one process sends at most: each process has one connection and exports serially. */
  readonly perProcess: number;
  /** Spans per second one worker (goroutine) generates at most: its limiter loses time when woken late. */
  readonly perWorker: number;
  readonly logFile: string;
}

export interface RunningLoad {
  readonly pids: readonly number[];
  /** Resolves when every process has exited (by itself at the end of its duration, or stopped). */
  readonly exited: Promise<void>;
  stop(): Promise<void>;
}

/**
 * What every span carries besides telemetrygen's own two attributes: an HTTP server span's usual ones, so a
 * span is about 500 bytes on the wire (telemetrygen's bare spans are about 155) and the attributes scenario's
 * actions (delete user_agent.original, hash client.address) find their keys.
 */
export const SPAN_ATTRIBUTES: readonly string[] = [
  'http.request.method="GET"',
  'url.full="https://shop.example.com/api/v1/orders/48213/items"',
  'http.route="/api/v1/orders/{orderId}/items"',
  'http.response.status_code=200',
  'client.address="192.0.2.19"',
  'user_agent.original="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"',
];

const RESOURCE_ATTRIBUTES: readonly string[] = [
  'service.name="checkout"', 'service.namespace="shop"', 'service.version="2.14.3"', 'k8s.namespace.name="shop"',
  'k8s.pod.name="checkout-7d9f8c6b5-x2k4q"', 'deployment.environment.name="production"',
];

/** The argv of each telemetrygen process for `load`: the rate split evenly over processes and workers. */
export function telemetrygenArgs(load: Omit<TraceLoad, 'logFile'>): string[][] {
  const processes = Math.max(1, Math.ceil(load.spansPerSec / load.perProcess));
  const perProcessRate = load.spansPerSec / processes;
  const workers = Math.max(1, Math.ceil(perProcessRate / load.perWorker));
  const args = [
    'traces', '--otlp-endpoint', load.endpoint, '--otlp-insecure',
    '--rate', String(perProcessRate / workers), '--workers', String(workers),
    '--batch-size', String(load.batchSize), '--duration', `${Math.ceil(load.durationMs / 1000)}s`,
    '--allow-export-failures',
    ...SPAN_ATTRIBUTES.flatMap((a) => ['--telemetry-attributes', a]),
    ...RESOURCE_ATTRIBUTES.flatMap((a) => ['--otlp-attributes', a]),
  ];
  return Array.from({ length: processes }, () => args);
}

export function startTelemetrygen(binary: string, load: TraceLoad): RunningLoad {
  const log = openSync(load.logFile, 'a');
  // telemetrygen has no compression flag; its OTLP exporter reads the standard variable.
  const env = { ...process.env, ...(load.gzip ? { OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip' } : {}) };
  const children: ChildProcess[] = telemetrygenArgs(load).map((args) => spawn(binary, args, { env, stdio: ['ignore', log, log] }));
  closeSync(log);
  const exited = Promise.all(children.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  }))).then(() => undefined);
  return {
    pids: children.map((child) => child.pid ?? 0),
    exited,
    async stop() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => { for (const child of children) child.kill('SIGKILL'); }, 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

if (import.meta.main) {
  ensureTelemetrygenBinary((log) => console.error(`building telemetrygen v${TELEMETRYGEN_VERSION} (log: ${log})`))
    .then((binary) => console.log(binary))
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
