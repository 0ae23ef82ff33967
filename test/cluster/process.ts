// Detached control-plane processes tracked by pid files, so a later test run (or `cluster:down`) finds them.
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type Started = { name: string; pid: number; binary: string };

/** Starts `binary args` in its own process group, output appended to logFile; it outlives this process. */
export async function startDetached(
  name: string, binary: string, args: string[], opts: { logFile: string; pidDir: string; env?: NodeJS.ProcessEnv },
): Promise<Started> {
  const out = openSync(opts.logFile, 'a');
  try {
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', out, out], env: opts.env ?? process.env });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', (err) => reject(new Error(`${name}: cannot start ${binary}: ${err.message}`)));
      child.once('spawn', () => resolve(child.pid ?? -1));
    });
    child.unref();
    await writeFile(join(opts.pidDir, `${name}.pid`), `${pid}\n${binary}\n`);
    return { name, pid, binary };
  } finally {
    closeSync(out);
  }
}

/** True when `pid` is alive and still runs `binary` (a recycled pid must not be mistaken for ours). */
export async function isOurs(pid: number, binary: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (cmdline.split('\0')[0] !== binary) return false;
  // A zombie keeps its cmdline until reaped; it is not running.
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return !/^\d+ \(.*\) Z /.test(stat);
}

export async function readPidFiles(pidDir: string): Promise<Started[]> {
  const files = await readdir(pidDir).catch(() => [] as string[]);
  const started: Started[] = [];
  for (const file of files.filter((f) => f.endsWith('.pid'))) {
    const [pid, binary] = (await readFile(join(pidDir, file), 'utf8')).split('\n');
    if (pid && binary) started.push({ name: file.slice(0, -4), pid: Number(pid), binary });
  }
  return started;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** SIGTERM, then SIGKILL after graceMs; only processes that are still ours are signalled. */
export async function stopProcess(p: Started, graceMs = 10_000): Promise<void> {
  if (!(await isOurs(p.pid, p.binary))) return;
  signal(p.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isOurs(p.pid, p.binary))) return;
    await sleep(100);
  }
  signal(p.pid, 'SIGKILL');
  for (let i = 0; i < 50 && (await isOurs(p.pid, p.binary)); i++) await sleep(100);
}
