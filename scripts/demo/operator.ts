// The operator as the demo runs it on the local control plane: `node src/cli.ts operator` as a child
// process scoped to the demo's namespace, logging to a file, ready when its /readyz answers.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/cluster/layout.ts';
import { freePorts } from '../../test/support/free-port.ts';

export interface LocalOperator {
  pid: number | undefined;
  /** SIGTERM, SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export async function startLocalOperator(kubeconfig: string, namespace: string, logFile: string): Promise<LocalOperator> {
  const [metrics, health] = (await freePorts(2)) as [number, number];
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [
    join(REPO_ROOT, 'src/cli.ts'), 'operator',
    '--kubeconfig', kubeconfig,
    '--namespace', namespace,
    '--metrics-addr', `127.0.0.1:${metrics}`,
    '--health-addr', `127.0.0.1:${health}`,
  ], { cwd: REPO_ROOT, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve((code = c))));
  const stop = async (graceMs = 10_000) => {
    if (code === undefined) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const result = await exited;
    clearTimeout(timer);
    return result;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (code !== undefined) throw new Error(`the operator exited with ${code}; see ${logFile}`);
    const ok = await fetch(`http://127.0.0.1:${health}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop(1000);
      throw new Error(`the operator was not ready within 60 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { pid: child.pid, stop };
}
