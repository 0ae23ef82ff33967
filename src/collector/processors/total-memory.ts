// The memory the collector may use in total: the container's cgroup limit (v2 `memory.max`, v1
// `memory.limit_in_bytes`) when one is set, else the machine's memory, as upstream's memory_limiter.
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

export type ReadText = (path: string) => string | undefined;

const UNLIMITED_V1 = 2 ** 62; // v1 reports "no limit" as a huge page-aligned number near 2^63

export function readTextFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The cgroup memory limit in bytes, or undefined when there is none. */
export function cgroupMemoryLimit(read: ReadText = readTextFile): number | undefined {
  for (const file of candidateFiles(read('/proc/self/cgroup') ?? '')) {
    const text = read(file)?.trim();
    if (text === undefined) continue;
    if (text === 'max') return undefined;
    const bytes = Number(text);
    if (!Number.isFinite(bytes) || bytes <= 0) continue;
    return bytes >= UNLIMITED_V1 ? undefined : bytes;
  }
  return undefined;
}

/** Limit files to try, most specific first: the process's own cgroup, then the namespace root. */
export function candidateFiles(procSelfCgroup: string): string[] {
  const files: string[] = [];
  for (const line of procSelfCgroup.split('\n')) {
    const [, controllers, path] = line.split(':') as [string, string | undefined, string | undefined];
    if (path === undefined || path === '/') continue;
    if (controllers === '') files.push(`/sys/fs/cgroup${path}/memory.max`);
    else if (controllers?.split(',').includes('memory')) files.push(`/sys/fs/cgroup/memory${path}/memory.limit_in_bytes`);
  }
  files.push('/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes');
  return files;
}

export function totalMemory(read: ReadText = readTextFile, machine: number = totalmem()): number {
  const limit = cgroupMemoryLimit(read);
  return limit === undefined ? machine : Math.min(limit, machine);
}
