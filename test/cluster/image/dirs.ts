// Where the image builds keep their state: ${TPO_CACHE_DIR:-~/.cache/tpo}/containers (buildah's private store and
// its config files) and .../images (downloads, the debootstrapped root filesystem, archives, logs).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { cacheRoot } from '../binaries.ts';
import type { StorageDriver } from './conf.ts';

export type ImageDirs = {
  /** containers.conf, storage.conf, registries.conf (passed through CONTAINERS_* variables). */
  conf: string;
  graphroot: string;
  /** The store's locks and mount state, under /run as buildah's own default is; one per graphroot. */
  runroot: string;
  /** Work area of the image builds. */
  root: string;
  lock: string;
  logFile: string;
  /** npm tarballs fetched with `npm pack` and debootstrap's .deb cache. */
  downloads: string;
  /** The slimmed debootstrap output the base image is committed from. */
  rootfs: string;
  archives: string;
};

export function imageDirs(driver: StorageDriver, env: NodeJS.ProcessEnv = process.env): ImageDirs {
  const containers = join(cacheRoot(env), 'containers');
  const root = join(cacheRoot(env), 'images');
  const suffix = driver === 'overlay' ? '' : `-${driver}`;
  const graphroot = join(containers, `storage${suffix}`);
  return {
    conf: join(containers, `conf${suffix}`),
    graphroot,
    runroot: `/run/tpo-buildah/${createHash('sha256').update(graphroot).digest('hex').slice(0, 12)}`,
    root,
    lock: join(root, 'lock'),
    logFile: join(root, 'build.log'),
    downloads: join(root, 'downloads'),
    rootfs: join(root, 'rootfs'),
    archives: join(root, `archives${suffix}`),
  };
}
