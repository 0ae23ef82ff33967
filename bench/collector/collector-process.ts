// Starts a collector under test with a config file, waits until it serves, stops it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { connect } from 'node:net';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

export interface RunningCollector {
  readonly pid: number;
  readonly child: ChildProcess;
  stop(): Promise<number | null>;
}

/** `command` is argv (no shell) so the pid we measure is the collector itself. */
export async function startCollector(opts: {
  command: readonly string[]; configFile: string; logFile: string; grpcPort: number; metricsUrl: string; timeoutMs: number;
}): Promise<RunningCollector> {
  const [cmd, ...args] = opts.command;
  if (!cmd) throw new Error('empty collector command');
  const log = openSync(opts.logFile, 'a');
  const child = spawn(cmd, [...args, '--config', opts.configFile], { stdio: ['ignore', log, log] });
  let exited: number | null | undefined;
  const exitP = new Promise<number | null>((resolve) => child.on('exit', (code) => { exited = code; resolve(code); }));
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`collector exited with ${exited} while starting; see ${opts.logFile}`);
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`collector not serving after ${opts.timeoutMs} ms; see ${opts.logFile}`); }
    const metricsOk = await fetch(opts.metricsUrl, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (metricsOk && (await canConnect(opts.grpcPort))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (child.pid === undefined) throw new Error('collector has no pid');
  return {
    pid: child.pid,
    child,
    async stop() {
      if (exited !== undefined) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
      const code = await exitP;
      clearTimeout(timer);
      return code;
    },
  };
}
