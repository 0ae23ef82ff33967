// An exclusive hold on a directory across processes and hosts (a volume may be mounted by a restarted
// pod and a drain job, both pid 1 in different pods): a lock file naming its holder (host, pid, a
// random token), whose mtime the holder refreshes every second. A lock not refreshed for STALE_MS is
// the holder's who died and is taken over; so is one whose holder is provably gone (same host, and its
// pid is ours, as in a restarted container, or not running).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';

export const LOCK_FILE = 'tpo-queue.lock';
export const REFRESH_MS = 1000;
export const STALE_MS = 10_000;
const POLL_MS = 250;

export interface Holder {
  readonly host: string;
  readonly pid: number;
  readonly token: string;
}

export interface SeenLock {
  readonly holder: Holder | undefined;
  readonly mtimeMs: number;
}

export type Verdict = 'take' | 'take-over' | 'wait' | 'fail';

/**
 * Whether to take the lock now, wait, or give up. `first` is the lock as first seen: a holder that
 * refreshed it since is alive, and after `timeoutMs` of waiting on a live holder the wait ends.
 */
export function lockVerdict(opts: {
  seen: SeenLock | undefined; first: SeenLock | undefined; me: Holder; now: number; waitedMs: number; timeoutMs: number; running: (pid: number) => boolean;
}): Verdict {
  const { seen, first, me } = opts;
  if (!seen) return 'take';
  if (opts.now - seen.mtimeMs > STALE_MS) return 'take-over';
  const holder = seen.holder;
  if (holder && holder.host === me.host && (holder.pid === me.pid || !opts.running(holder.pid))) return 'take-over';
  const refreshed = first !== undefined && seen.mtimeMs > first.mtimeMs;
  return refreshed && opts.waitedMs >= opts.timeoutMs ? 'fail' : 'wait';
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<SeenLock | undefined> {
  try {
    const [info, text] = await Promise.all([stat(path), readFile(path, 'utf8')]);
    let holder: Holder | undefined;
    try {
      holder = JSON.parse(text) as Holder;
    } catch {
      holder = undefined; // written half when its holder died: judged by its age alone
    }
    return { holder, mtimeMs: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export interface DirLock {
  readonly holder: Holder;
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long to wait on a holder that is still refreshing its lock. */
  readonly timeoutMs: number;
  /** Told when another process took the lock (this one stalled for STALE_MS): stop using the directory. */
  readonly onLost: (by: Holder | undefined) => void;
  readonly onWait?: (holder: Holder | undefined) => void;
}

export async function lockDirectory(directory: string, options: LockOptions): Promise<DirLock> {
  const path = join(directory, LOCK_FILE);
  const me: Holder = { host: hostname(), pid: process.pid, token: randomUUID() };
  const started = Date.now();
  let first: SeenLock | undefined;
  let told = false;
  for (;;) {
    const seen = await readLock(path);
    first ??= seen;
    const verdict = lockVerdict({ seen, first, me, now: Date.now(), waitedMs: Date.now() - started, timeoutMs: options.timeoutMs, running });
    if (verdict === 'fail') throw new Error(`${directory} is held by ${describe(seen?.holder)}, which is still running (waited ${Date.now() - started} ms)`);
    if (verdict === 'take-over') {
      // Moved aside first, so of two processes taking over the same stale lock only one creates the new one.
      await rename(path, `${path}.${me.token}.stale`).then(() => rm(`${path}.${me.token}.stale`, { force: true }), () => undefined);
    }
    if (verdict !== 'wait' && (await create(path, me))) break;
    if (verdict === 'wait' && !told) {
      told = true;
      options.onWait?.(seen?.holder);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const timer = setInterval(() => void refresh(path, me, options.onLost, () => clearInterval(timer)), REFRESH_MS);
  timer.unref();
  return {
    holder: me,
    release: async () => {
      clearInterval(timer);
      const current = await readLock(path).catch(() => undefined);
      if (current?.holder?.token === me.token) await rm(path, { force: true });
    },
  };
}

async function create(path: string, me: Holder): Promise<boolean> {
  try {
    const handle = await open(path, 'wx');
    try {
      await handle.writeFile(JSON.stringify(me));
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function refresh(path: string, me: Holder, onLost: (by: Holder | undefined) => void, stop: () => void): Promise<void> {
  const current = await readLock(path).catch(() => undefined);
  if (current?.holder?.token !== me.token) {
    stop();
    onLost(current?.holder);
    return;
  }
  const now = new Date();
  await utimes(path, now, now).catch(() => undefined);
}

export function describe(holder: Holder | undefined): string {
  return holder ? `process ${holder.pid} on ${holder.host}` : 'an unknown process';
}
