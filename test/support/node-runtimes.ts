// Node.js runtimes other than the one running the tests, from the npm `node` package (the same source as the `node`
// devDependency), installed once into the tool cache: ${TPO_CACHE_DIR:-~/.cache/tpo}/node-v<version>. Never a
// dependency of the repo, so `npm ci` stays as it is.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheRoot } from '../cluster/binaries.ts';
import { withLock } from '../cluster/lock.ts';
import { run } from '../cluster/run.ts';

/** The lowest Node.js 22 that package.json `engines` admits (undici 7, under @kubernetes/client-node, needs it). */
export const NODE_22 = '22.19.0';

/** Path of the `node` binary of `version`, installed from npm on first use (the package's preinstall fetches it). */
export async function npmNode(version: string): Promise<string> {
  const dir = join(cacheRoot(), `node-v${version}`);
  const binary = join(dir, 'node_modules', 'node', 'bin', 'node');
  const stamp = join(dir, '.stamp');
  const ready = async () => (await readFile(stamp, 'utf8').catch(() => '')) === version;
  if (await ready()) return binary;
  await mkdir(cacheRoot(), { recursive: true });
  await withLock(`${dir}.lock`, 10 * 60_000, async () => {
    if (await ready()) return;
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    // The package's preinstall script installs node-<platform>-<arch>@version and links bin/node to it.
    await writeFile(join(dir, 'package.json'), `${JSON.stringify({ private: true, allowScripts: { node: true } })}\n`);
    await run('npm', ['install', '--no-audit', '--no-fund', '--save-exact', `node@${version}`], { cwd: dir, logFile: join(dir, 'install.log') });
    const reported = (await run(binary, ['--version'], { cwd: dir, logFile: join(dir, 'install.log') })).trim();
    if (reported !== `v${version}`) throw new Error(`npm node@${version} installed ${binary}, which reports ${reported}`);
    await writeFile(stamp, version);
  });
  return binary;
}
