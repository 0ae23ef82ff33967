// CPU and memory of a process tree from /proc (Linux). The collector may be one process
// (upstream) or a process with helpers; everything below the pid we started is counted.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** Fields of /proc/<pid>/stat after the `(comm)`, which may itself hold spaces or parens. */
export function parseStat(text: string): { ppid: number; cpuSeconds: number } {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return { ppid: Number(rest[1]), cpuSeconds: (Number(rest[11]) + Number(rest[12])) / CLK_TCK };
}

/**
 * VmRSS, VmHWM and RssAnon of /proc/<pid>/status, in bytes. RssAnon is the process's own memory (heap, buffers);
 * the rest of VmRSS is mostly file pages of its binary (about 37 MiB of node's), shared and reclaimable.
 */
export function parseStatus(text: string): { rss: number; hwm: number; anon: number } {
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon') };
}

function read(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    const { ppid } = parseStat(stat);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface TreeSample { cpuSeconds: number; rss: number; hwm: number; anon: number; pids: number }

export function sampleTree(root: number): TreeSample {
  let cpuSeconds = 0; let rss = 0; let hwm = 0; let anon = 0; let pids = 0;
  for (const pid of processTree(root)) {
    const stat = read(`/proc/${pid}/stat`);
    const status = read(`/proc/${pid}/status`);
    if (!stat || !status) continue;
    pids++;
    cpuSeconds += parseStat(stat).cpuSeconds;
    const m = parseStatus(status);
    rss += m.rss; hwm += m.hwm; anon += m.anon;
  }
  return { cpuSeconds, rss, hwm, anon, pids };
}

/** Resets VmHWM to the current RSS (clear_refs 5), so each phase reports its own peak. */
export function resetPeakRss(root: number): boolean {
  let ok = true;
  for (const pid of processTree(root)) {
    try { writeFileSync(`/proc/${pid}/clear_refs`, '5'); } catch { ok = false; }
  }
  return ok;
}
