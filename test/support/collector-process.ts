// Runs `node src/cli.ts collector` as a child process for tests: writes the config to a temp file,
// picks free loopback ports, waits until the health check answers 200, stops it with SIGTERM and
// keeps its logs. `ports` go into the config through the `config(ports, host)` callback; for an object
// config the health check and self-metrics endpoints are added when it does not set them. A rendered
// config (YAML text with fixed ports on a pod's loopback IP) runs with `host`, `ports` and `env`
// (e.g. POD_IP) given explicitly.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePorts } from './free-port.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NODE = process.execPath;
const DEFAULT_HOST = '127.0.0.1';

export interface CollectorPorts {
  readonly grpc: number;
  readonly http: number;
  readonly health: number;
  readonly metrics: number;
}

export interface CollectorProcess {
  readonly pid: number;
  readonly ports: CollectorPorts;
  readonly host: string;
  readonly configFile: string;
  /** stderr (JSON log lines) so far. */
  logs(): string;
  /** stdout so far (debug exporter output). */
  stdout(): string;
  /** Text of /metrics. */
  metrics(): Promise<string>;
  /** Sum of a counter over all its label sets (0 when absent), e.g. `otelcol_receiver_accepted_spans`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Sends SIGTERM (or `signal`) and resolves with the exit code once the process is gone. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export interface StartOptions {
  /** Config as an object (written as YAML) or YAML text, built from the allocated ports. */
  readonly config: (ports: CollectorPorts, host: string) => object | string;
  readonly env?: Record<string, string>;
  readonly args?: readonly string[];
  readonly startTimeoutMs?: number;
  /** Loopback address the collector binds (default 127.0.0.1). */
  readonly host?: string;
  /** Fixed ports; the others are picked free on `host`. */
  readonly ports?: Partial<CollectorPorts>;
}

export async function startCollectorProcess(options: StartOptions): Promise<CollectorProcess> {
  const host = options.host ?? DEFAULT_HOST;
  const [grpc, http, health, metrics] = (await freePorts(4, host)) as [number, number, number, number];
  const ports: CollectorPorts = { grpc, http, health, metrics, ...options.ports };
  const dir = mkdtempSync(join(tmpdir(), 'tpo-collector-'));
  const configFile = join(dir, 'config.yaml');
  const built = options.config(ports, host);
  writeFileSync(configFile, typeof built === 'string' ? built : stringify(withDefaults(built, ports, host)));

  const child = spawn(NODE, [join(ROOT, 'src/cli.ts'), 'collector', '--config', configFile, ...(options.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.on('exit', (code) => resolveExit(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
    rmSync(dir, { recursive: true, force: true });
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  for (;;) {
    if (gone) throw new Error(`collector exited while starting:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`collector not healthy in time:\n${stderr}`);
    }
    const ok = await fetch(`http://${host}:${ports.health}/`, { signal: AbortSignal.timeout(1000) }).then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const metricsText = () => fetch(`http://${host}:${ports.metrics}/metrics`).then((r) => r.text());
  return {
    pid: child.pid!,
    ports,
    host,
    configFile,
    logs: () => stderr,
    stdout: () => stdout,
    metrics: metricsText,
    metric: async (name, labels) => sumMetric(await metricsText(), name, labels),
    stop: (signal = 'SIGTERM', timeoutMs = 60_000) => stopChild(child, exited, gone, signal, timeoutMs),
    exited,
  };
}

function stopChild(child: ChildProcess, exited: Promise<number | null>, gone: boolean, signal: NodeJS.Signals, timeoutMs: number): Promise<number | null> {
  if (!gone) child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return exited.finally(() => clearTimeout(timer));
}

function withDefaults(config: object, ports: CollectorPorts, host: string): object {
  const out = structuredClone(config) as Record<string, Record<string, unknown> | undefined>;
  const extensions = (out.extensions ??= {}) as Record<string, unknown>;
  extensions.health_check ??= { endpoint: `${host}:${ports.health}` };
  const service = (out.service ??= {}) as Record<string, unknown>;
  const enabled = (service.extensions ??= []) as string[];
  if (!enabled.includes('health_check')) enabled.push('health_check');
  const telemetry = (service.telemetry ??= {}) as Record<string, unknown>;
  telemetry.metrics ??= { readers: [{ pull: { exporter: { prometheus: { host, port: ports.metrics } } } }] };
  return out;
}

/** Sum of all samples of `name` whose labels include `labels`. */
export function sumMetric(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) total += Number(match[3]);
  }
  return total;
}
