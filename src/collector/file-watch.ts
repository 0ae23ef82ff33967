// Re-reading files that change under a running collector: certificates, keys and token files mounted from
// Kubernetes Secrets, which the kubelet replaces atomically (a new directory, then a symlink swap). Each path is
// read anew every interval through its symlinks, so a swap is seen whatever inode the path ends on; content is
// compared, not timestamps. A read that fails (a swap in progress, a file removed) keeps the last content.
import { readFile } from 'node:fs/promises';

export type Contents = ReadonlyMap<string, string>;

export async function readAll(paths: readonly string[]): Promise<Contents> {
  const entries = await Promise.all(paths.map(async (path) => [path, await readFile(path, 'utf8')] as const));
  return new Map(entries);
}

export function sameContents(a: Contents, b: Contents): boolean {
  if (a.size !== b.size) return false;
  for (const [path, content] of a) if (b.get(path) !== content) return false;
  return true;
}

export interface FileWatch {
  stop(): void;
}

/**
 * Calls `onChange` with every file's content when any of them changed since `initial`. A failing read or
 * `onChange` goes to `onError` and the next interval tries again. The timer does not keep the process alive.
 */
export function watchFiles(
  initial: Contents, intervalMs: number, onChange: (contents: Contents) => void, onError: (error: Error) => void,
): FileWatch {
  const paths = [...initial.keys()];
  let current = initial;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    readAll(paths).then((next) => {
      if (sameContents(current, next)) return;
      onChange(next);
      current = next;
    }).catch((error: Error) => onError(error)).finally(() => (busy = false));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
