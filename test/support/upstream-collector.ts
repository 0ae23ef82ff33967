// The reference upstream OpenTelemetry Collector (the collector-builder build of bench/collector), built on first
// import when missing (minutes with cold Go caches; a lock makes concurrent importers wait for one build). Tests
// that compare with upstream import this instead of skipping when the binary is absent, so they run in CI too.
// Also: running it on a config (started, ready once its ports accept connections), and `otelcol validate`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ensureOtelcolBinary } from '../../bench/collector/build-otelcol.ts';
import { freePorts } from './free-port.ts';
import { waitFor } from './wait.ts';

export const UPSTREAM_COLLECTOR: string = (await ensureOtelcolBinary((logFile) => process.stderr.write(`building the upstream collector (log: ${logFile})\n`))).binary;

export interface Upstream {
  readonly child: ChildProcess;
  readonly dir: string;
  /** Its stderr so far (its log). */
  output: string;
}

export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(`port ${port}`, () => new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  }), timeoutMs, 100);
}

/** Runs the upstream collector on `config`; resolves once every port of `readyPorts` accepts connections. */
async function startUpstream(config: object, readyPorts: number[]): Promise<Upstream> {
  const dir = mkdtempSync(join(tmpdir(), 'tpo-upstream-'));
  writeFileSync(join(dir, 'config.yaml'), stringify(config));
  const child = spawn(UPSTREAM_COLLECTOR, ['--config', join(dir, 'config.yaml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const upstream: Upstream = { child, dir, output: '' };
  child.stderr!.on('data', (chunk: Buffer) => (upstream.output += chunk.toString('utf8')));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`upstream collector exited (${code}):\n${upstream.output}`))));
  await Promise.race([Promise.all(readyPorts.map((port) => waitForPort(port))), exited]);
  return upstream;
}

/**
 * startUpstream on ports picked free just before: another process can take a port between the pick and upstream's
 * bind, so a start that fails on "address already in use" is tried again on newly picked ports (at most 3 times).
 * `build` gets the ports and returns the config and the ports to wait for.
 */
export async function startUpstreamOnFreePorts(count: number, build: (ports: number[]) => { config: object; ready: number[] }): Promise<{ upstream: Upstream; ports: number[] }> {
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(count);
    const { config, ready } = build(ports);
    try {
      return { upstream: await startUpstream(config, ready), ports };
    } catch (error) {
      if (attempt >= 3 || !/address already in use/.test((error as Error).message)) throw error;
    }
  }
}

export async function stopUpstream(upstream: Upstream | undefined): Promise<void> {
  if (!upstream) return;
  if (upstream.child.exitCode === null) {
    const exited = new Promise((resolve) => upstream.child.once('exit', resolve));
    upstream.child.kill('SIGTERM');
    await exited;
  }
  rmSync(upstream.dir, { recursive: true, force: true });
}

/** `otelcol validate` of a config: ok, or the error it printed. */
export async function upstreamValidate(config: object | string, env: NodeJS.ProcessEnv = {}): Promise<{ ok: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'tpo-validate-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, typeof config === 'string' ? config : stringify(config));
  try {
    return await new Promise((resolve) => {
      execFile(UPSTREAM_COLLECTOR, ['validate', '--config', file], { env, encoding: 'utf8' }, (error, stdout, stderr) =>
        resolve({ ok: error === null, output: `${stdout}${stderr}` }));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
