// A pod container's cgroups on the real node (cgroup v1, the kubelet's cgroupfs layout:
// <controller>/kubepods[/<qos>]/pod<uid>/<container id>), read from the host: CPU time, throttling, and the RSS
// of the processes in it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseStat } from '../collector/proc-stats.ts';

const ROOT = '/sys/fs/cgroup';

/** The container's directory under one controller's kubepods tree, searched a few levels deep. */
export async function containerCgroup(controller: string, containerId: string): Promise<string | undefined> {
  const id = containerId.replace(/^containerd:\/\//, '');
  const search = async (dir: string, depth: number): Promise<string | undefined> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries.filter((x) => x.isDirectory())) {
      if (e.name === id) return join(dir, e.name);
      const found = depth > 0 ? await search(join(dir, e.name), depth - 1) : undefined;
      if (found) return found;
    }
    return undefined;
  };
  return search(join(ROOT, controller, 'kubepods'), 3);
}

export interface CgroupSample {
  /** Monotonic seconds when read. */
  at: number;
  cpuSeconds: number;
  periods: number;
  throttledPeriods: number;
  throttledSeconds: number;
  /** Sum of VmRSS of the container's processes. */
  rssBytes: number;
  /**
   * CPU seconds of the processes' main threads (Node runs its JavaScript there; the rest is V8's GC helpers, libuv's
   * threadpool and the runtime), from /proc/<pid>/task/<pid>/stat.
   */
  mainThreadSeconds: number;
}


/** `key value` lines (cpu.stat, memory.stat) -> numbers. */
export function parseKeyValues(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out[key] = Number(value);
  }
  return out;
}

export function vmRssBytes(status: string): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

export interface ContainerCgroups {
  cpuacct: string;
  cpu: string;
}

export async function findContainerCgroups(containerId: string): Promise<ContainerCgroups> {
  const [cpuacct, cpu] = await Promise.all([containerCgroup('cpuacct', containerId), containerCgroup('cpu', containerId)]);
  if (!cpuacct || !cpu) throw new Error(`no cpu/cpuacct cgroup for container ${containerId}`);
  return { cpuacct, cpu };
}

export async function sampleCgroup(cg: ContainerCgroups): Promise<CgroupSample> {
  const at = performance.now() / 1000;
  const [usage, stat, procs] = await Promise.all([
    readFile(join(cg.cpuacct, 'cpuacct.usage'), 'utf8'),
    readFile(join(cg.cpu, 'cpu.stat'), 'utf8'),
    readFile(join(cg.cpuacct, 'cgroup.procs'), 'utf8'),
  ]);
  const cpu = parseKeyValues(stat);
  let rssBytes = 0;
  let mainThreadSeconds = 0;
  for (const pid of procs.split('\n').filter(Boolean)) {
    rssBytes += vmRssBytes(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''));
    const stat = await readFile(`/proc/${pid}/task/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat) mainThreadSeconds += parseStat(stat).cpuSeconds;
  }
  return {
    at,
    cpuSeconds: Number(usage) / 1e9,
    periods: cpu['nr_periods'] ?? 0,
    throttledPeriods: cpu['nr_throttled'] ?? 0,
    throttledSeconds: (cpu['throttled_time'] ?? 0) / 1e9,
    rssBytes,
    mainThreadSeconds,
  };
}
