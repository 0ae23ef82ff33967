// Mounts left below a directory (debootstrap mounts /proc and /sys in its target and may die before unmounting).
import { readFile } from 'node:fs/promises';
import { run } from '../run.ts';

/** Mount points at or below `dir` in /proc/self/mountinfo text, deepest first (the order to unmount them). */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const points = mountinfo.split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    // mountinfo escapes space, tab, newline and backslash as octal.
    .map((p) => p.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Detaches every mount at or below `dir`. */
export async function unmountUnder(dir: string, logFile: string): Promise<void> {
  for (const point of mountsUnder(await readFile('/proc/self/mountinfo', 'utf8'), dir)) {
    await run('umount', ['--lazy', point], { cwd: '/', logFile });
  }
}
