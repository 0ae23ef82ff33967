// CPU seconds (user + system) per process of a benchmark run, from /proc/<pid>/stat: the control plane's
// components, the operator child and the bench process itself. The machine is CPU-bound during the run, so
// where the CPU-seconds go is where the time goes.
import { readFileSync } from 'node:fs';
import { readPidFiles } from '../../test/cluster/process.ts';
import { clusterLayout } from '../../test/cluster/layout.ts';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on every Linux port that matters). */
export const CLOCK_TICKS = 100;

/**
 * utime + stime of one /proc/<pid>/stat line, in seconds. The command name (field 2) is in parentheses and may
 * hold spaces or parentheses itself, so fields are counted from the last ')'.
 */
export function parseStatCpuSeconds(stat: string, ticks = CLOCK_TICKS): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(stat.slice(0, 80))}`);
  // After ')': state (field 3), ..., utime (field 14), stime (field 15).
  const fields = stat.slice(close + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`no utime/stime in ${JSON.stringify(stat.slice(0, 80))}`);
  return (utime + stime) / ticks;
}

/** CPU seconds of a live process, or undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    return parseStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Per-name differences between two snapshots (names missing from either are left out), rounded to 0.01 s. */
export function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, a] of Object.entries(after)) {
    const b = before[name];
    if (b !== undefined) out[name] = Math.round((a - b) * 100) / 100;
  }
  return out;
}

/** The processes to sample: the local control plane's (from its pid files) and the given ones by name. */
export async function benchProcesses(extra: Record<string, number | undefined>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of await readPidFiles(clusterLayout().pids)) out[p.name] = p.pid;
  for (const [name, pid] of Object.entries(extra)) if (pid !== undefined) out[name] = pid;
  return out;
}

/** One snapshot of CPU seconds per named process (a process already gone is left out). */
export function cpuSnapshot(pids: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const s = processCpuSeconds(pid);
    if (s !== undefined) out[name] = s;
  }
  return out;
}

/**
 * The whole machine's CPU seconds from the first line of /proc/stat: busy (user, nice, system, irq, softirq, steal)
 * and steal alone (time the hypervisor gave to someone else). busy minus the processes above is everyone else's.
 */
export function parseProcStat(text: string, ticks = CLOCK_TICKS): { busy: number; steal: number } {
  const line = text.split('\n', 1)[0]!;
  if (!line.startsWith('cpu ')) throw new Error(`not /proc/stat: ${JSON.stringify(line.slice(0, 40))}`);
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  return { busy: (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / ticks, steal: (steal ?? 0) / ticks };
}

/** cpuSnapshot plus `machine` (all busy CPU) and `steal`, when /proc/stat is readable. */
export function cpuSnapshotWithMachine(pids: Record<string, number>): Record<string, number> {
  const out = cpuSnapshot(pids);
  try {
    const m = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    out['machine'] = m.busy;
    out['steal'] = m.steal;
  } catch {
    // Not Linux: processes only.
  }
  return out;
}
