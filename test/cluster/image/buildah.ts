// buildah on the harness's private store: config files written once, the storage driver chosen once per process
// (overlay when the kernel and the backing filesystem allow it, else vfs), every call through one runner.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { run } from '../run.ts';
import { containersConf, registriesConf, storageConf, type StorageDriver } from './conf.ts';
import { imageDirs, type ImageDirs } from './dirs.ts';

export type Store = { driver: StorageDriver; dirs: ImageDirs; env: NodeJS.ProcessEnv };

export type ImageInfo = {
  id: string;
  labels: Record<string, string>;
  user: string;
  /** Sum of the uncompressed layer sizes. */
  size: number;
};

async function writeIfChanged(path: string, text: string): Promise<void> {
  if ((await readFile(path, 'utf8').catch(() => undefined)) === text) return;
  // Another process may be reading it: replace it whole.
  await writeFile(`${path}.${process.pid}`, text);
  await rename(`${path}.${process.pid}`, path);
}

async function prepare(driver: StorageDriver): Promise<Store> {
  const dirs = imageDirs(driver);
  for (const dir of [dirs.conf, dirs.graphroot, dirs.root, dirs.downloads, dirs.archives]) await mkdir(dir, { recursive: true });
  const files = {
    'containers.conf': containersConf(),
    'storage.conf': storageConf({ driver, graphroot: dirs.graphroot, runroot: dirs.runroot }),
    'registries.conf': registriesConf(),
  };
  for (const [name, text] of Object.entries(files)) await writeIfChanged(join(dirs.conf, name), text);
  const env = {
    ...process.env,
    CONTAINERS_CONF: join(dirs.conf, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(dirs.conf, 'storage.conf'),
    CONTAINERS_REGISTRIES_CONF: join(dirs.conf, 'registries.conf'),
    BUILDAH_ISOLATION: 'chroot',
  };
  return { driver, dirs, env };
}

let opened: Promise<Store> | undefined;

/** The private store: overlay if `buildah info` initialises it (the driver mounts a test overlay), else vfs. */
export function openStore(log: Logger): Promise<Store> {
  opened ??= (async () => {
    const overlay = await prepare('overlay');
    try {
      const info = JSON.parse(await buildah(overlay, ['info'])) as { store?: { GraphDriverName?: string } };
      if (info.store?.GraphDriverName === 'overlay') return overlay;
      throw new Error(`buildah reports the driver ${info.store?.GraphDriverName}`);
    } catch (err) {
      log.warn({ reason: (err as Error).message.split('\n')[0] }, 'overlay storage unavailable, using vfs (slower, larger)');
      return prepare('vfs');
    }
  })();
  opened.catch(() => (opened = undefined));
  return opened;
}

/** `buildah args` on the private store; resolves with stdout, output logged to the build log. */
export function buildah(store: Store, args: string[], cwd = store.dirs.root): Promise<string> {
  return run('buildah', args, { cwd, env: store.env, logFile: store.dirs.logFile });
}

type InspectedImage = {
  FromImageID: string;
  Manifest: string;
  OCIv1: { config?: { Labels?: Record<string, string> | null; User?: string } };
};

/** The image named `ref` in the store, or undefined. */
export async function inspectImage(store: Store, ref: string): Promise<ImageInfo | undefined> {
  const listed = await buildah(store, ['images', '--format', '{{.Name}}:{{.Tag}}', ref]).catch(() => '');
  if (!listed.split('\n').includes(ref)) return undefined;
  const inspected = JSON.parse(await buildah(store, ['inspect', '--type', 'image', ref])) as InspectedImage;
  const manifest = JSON.parse(inspected.Manifest) as { layers: { size: number }[] };
  return {
    id: inspected.FromImageID,
    labels: inspected.OCIv1.config?.Labels ?? {},
    user: inspected.OCIv1.config?.User ?? '',
    size: manifest.layers.reduce((sum, layer) => sum + layer.size, 0),
  };
}

let containers = 0;

/** A working container from `image` (or scratch), removed afterwards whatever happens. */
export async function withContainer<T>(store: Store, image: string, fn: (container: string) => Promise<T>): Promise<T> {
  const name = `tpo-${process.pid}-${++containers}`;
  await buildah(store, ['from', '--pull=never', '--name', name, image]);
  try {
    return await fn(name);
  } finally {
    await buildah(store, ['rm', name]).catch(() => undefined);
  }
}

/** The container's root filesystem mounted while `fn` runs (and unmounted after, even on failure). */
export async function withMount<T>(store: Store, container: string, fn: (root: string) => Promise<T>): Promise<T> {
  const root = (await buildah(store, ['mount', container])).trim();
  try {
    return await fn(root);
  } finally {
    await buildah(store, ['umount', container]);
  }
}

/** Removes an image no longer named, unless another image still builds on it. */
export async function removeImage(store: Store, id: string): Promise<void> {
  await buildah(store, ['rmi', id]).catch(() => undefined);
}
