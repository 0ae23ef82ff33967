// Tearing down whatever a real node left running or mounted, whether it stopped cleanly or was killed with its
// session: container processes (found through the kubelet's cgroups), containerd shims, mounts under the node's
// directories and pod network namespaces, its interfaces, and its cgroups.
import { spawnSync } from 'node:child_process';
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NODE_VETH, POD_BRIDGE } from './configs.ts';
import type { NodePaths } from './paths.ts';

const CGROUP_ROOT = '/sys/fs/cgroup';
/** The kubelet's (cgroupfs driver) parent of every pod cgroup. */
const POD_CGROUP = 'kubepods';

async function subtree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const below = await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => subtree(join(dir, e.name))));
  return [...below.flat(), dir];
}

/** Every kubepods cgroup directory in every hierarchy, deepest first. */
async function podCgroups(): Promise<string[]> {
  const hierarchies = await readdir(CGROUP_ROOT).catch(() => [] as string[]);
  const all: string[] = [];
  for (const h of hierarchies) all.push(...(await subtree(join(CGROUP_ROOT, h, POD_CGROUP))).filter((d) => d.includes(POD_CGROUP)));
  return all.sort((a, b) => b.split('/').length - a.split('/').length);
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Pids of processes whose command line mentions `needle` (containerd shims name their containerd's socket). */
async function pidsMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) pids.push(Number(entry));
  }
  return pids;
}

/** SIGKILLs every process in a pod cgroup, then the shims of this node's containerd. */
export async function killContainers(paths: NodePaths): Promise<number> {
  let killed = 0;
  for (let round = 0; round < 3; round++) {
    const pids = new Set<number>();
    for (const dir of await podCgroups()) {
      const procs = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const p of procs.split('\n').filter(Boolean)) pids.add(Number(p));
    }
    for (const p of await pidsMentioning(paths.containerdSocket)) pids.add(p);
    if (pids.size === 0) break;
    for (const p of pids) kill(p);
    killed += pids.size;
    await sleep(300);
  }
  return killed;
}

/** Mount points at or below any of `prefixes`, deepest first (from /proc/self/mountinfo). */
export function mountsBelow(mountinfo: string, prefixes: readonly string[]): string[] {
  const points = mountinfo.split('\n').map((l) => l.split(' ')[4]).filter((p): p is string => p !== undefined)
    // mountinfo escapes spaces and the like as octal.
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => prefixes.some((pre) => p === pre || p.startsWith(`${pre}/`)));
  return [...new Set(points)].sort((a, b) => b.split('/').length - a.split('/').length);
}

export async function unmountBelow(prefixes: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (let round = 0; round < 3; round++) {
    const points = mountsBelow(await readFile('/proc/self/mountinfo', 'utf8'), prefixes);
    if (points.length === 0) return [];
    problems.length = 0;
    for (const p of points) {
      const r = spawnSync('umount', ['-l', p], { encoding: 'utf8' });
      if (r.status !== 0) problems.push(`umount ${p}: ${(r.stderr ?? '').trim()}`);
    }
  }
  return problems;
}

/** Removes the pod network namespaces (those not in `keep`), the bridge, the node veth, and the pod cgroups. */
export async function removeNetworkAndCgroups(keepNetns: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const ns of await readdir('/run/netns').catch(() => [] as string[])) {
    if (keepNetns.includes(ns)) continue;
    problems.push(...(await unmountBelow([`/run/netns/${ns}`])));
    await rm(`/run/netns/${ns}`, { force: true }).catch((err: Error) => problems.push(`rm /run/netns/${ns}: ${err.message}`));
  }
  for (const link of [POD_BRIDGE, NODE_VETH]) {
    const exists = spawnSync('ip', ['link', 'show', link], { encoding: 'utf8' }).status === 0;
    if (!exists) continue;
    const r = spawnSync('ip', ['link', 'del', link], { encoding: 'utf8' });
    if (r.status !== 0) problems.push(`ip link del ${link}: ${(r.stderr ?? '').trim()}`);
  }
  for (const dir of await podCgroups()) {
    // A cgroup whose last process just died may still be busy for a moment.
    for (let i = 0; i < 20; i++) {
      const err = await rmdir(dir).then(() => undefined, (e: NodeJS.ErrnoException) => e);
      if (!err || err.code === 'ENOENT') break;
      if (i === 19) problems.push(`rmdir ${dir}: ${err.message}`);
      await sleep(100);
    }
  }
  return problems;
}
