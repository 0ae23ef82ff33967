// A cross-process lock (several Jest workers call ensureCluster at once): an exclusively created directory
// holding the owner's pid. A lock whose owner died is taken over.
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withLock<T>(dir: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(dir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(await readFile(join(dir, 'owner'), 'utf8').catch(() => ''));
    // No owner file yet means the holder is between mkdir and writeFile, or died there: judge by age.
    const orphan = !(owner > 0) && Date.now() - (await stat(dir).then((s) => s.mtimeMs, () => 0)) > 10_000;
    if ((owner > 0 && !alive(owner)) || orphan) {
      await rm(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the lock ${dir} (held by pid ${owner || '?'})`);
    await sleep(200);
  }
  try {
    await writeFile(join(dir, 'owner'), String(process.pid));
    return await fn();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
