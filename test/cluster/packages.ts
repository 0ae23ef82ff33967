// Debian packages the harness needs on the host (buildah, debootstrap, containerd, ...): installed with apt when
// missing. A warm machine costs one `dpkg-query`; `apt-get update` runs only when something must be installed.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { cacheRoot } from './binaries.ts';
import { run } from './run.ts';

/** The names among `wanted` that `dpkg-query -W -f '${Package} ${db:Status-Status}\n'` does not report installed. */
export function missingPackages(dpkgQueryOutput: string, wanted: readonly string[]): string[] {
  const installed = new Set<string>();
  for (const line of dpkgQueryOutput.split('\n')) {
    const [name, status] = line.trim().split(/\s+/);
    // Multi-arch packages are reported as name:arch.
    if (name && status === 'installed') installed.add(name.replace(/:.*$/, ''));
  }
  return wanted.filter((name) => !installed.has(name));
}

async function queryInstalled(names: readonly string[]): Promise<string> {
  try {
    return (await promisify(execFile)('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status}\n', ...names])).stdout;
  } catch (err) {
    // dpkg-query exits 1 when a name is unknown to dpkg; what it printed for the others still counts.
    const { stdout, code } = err as { stdout?: string; code?: unknown };
    if (code === 1 && stdout !== undefined) return stdout;
    throw new Error(`dpkg-query failed (is this Debian?): ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * Makes every package of `names` installed; returns those it installed. Without root it fails with one line that
 * names what is missing. apt waits (bounded) for a concurrent apt/dpkg holding the lock.
 */
export async function ensureDebianPackages(names: readonly string[], log: Logger): Promise<string[]> {
  const missing = missingPackages(await queryInstalled(names), names);
  if (missing.length === 0) return [];
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages ${missing.join(' ')}: installing them needs root (apt-get install ${missing.join(' ')})`);
  }
  await mkdir(cacheRoot(), { recursive: true });
  const logFile = join(cacheRoot(), 'apt.log');
  const started = Date.now();
  log.info({ packages: missing, logFile }, 'installing Debian packages with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lockWait = ['-o', 'DPkg::Lock::Timeout=300'];
  try {
    await run('apt-get', [...lockWait, 'update'], { cwd: '/', env, logFile });
    await run('apt-get', [...lockWait, 'install', '-y', ...missing], { cwd: '/', env, logFile });
  } catch (err) {
    // apt's own reason ("E: Unable to locate package ...") is in the log tail the error carries.
    const reason = /^E: .*$/m.exec((err as Error).message)?.[0] ?? (err as Error).message.split('\n')[0];
    throw new Error(`apt-get could not install ${missing.join(' ')}: ${reason} (log: ${logFile})`);
  }
  const still = missingPackages(await queryInstalled(missing), missing);
  if (still.length > 0) throw new Error(`apt-get ran but ${still.join(' ')} is still not installed (log: ${logFile})`);
  log.info({ packages: missing, seconds: (Date.now() - started) / 1000 }, 'installed Debian packages');
  return missing;
}
