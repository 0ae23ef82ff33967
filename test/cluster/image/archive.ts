// Images handed to containerd: `buildah push` to an OCI archive, cached per image id. `ctr images import`
// (containerd 1.6) names the image after the archive's org.opencontainers.image.ref.name, the full reference, as it
// does a docker-archive's RepoTags; the OCI form keeps the gzip-compressed layers (about a quarter of the size).
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { run } from '../run.ts';
import { buildah, inspectImage, type Store } from './buildah.ts';

const ID_CHARS = 12;

/** File name of the archive of `ref` with image id `id` (pure). */
export function archiveName(ref: string, id: string): string {
  return `${ref.replace(/[^A-Za-z0-9._-]+/g, '_')}-${id.slice(0, ID_CHARS)}.oci.tar`;
}

/** The image id prefix an archive name carries, or undefined for files that are no archives of ours (pure). */
export function archiveId(name: string): string | undefined {
  return new RegExp(`-([0-9a-f]{${ID_CHARS}})\\.oci\\.tar$`).exec(name)?.[1];
}

/** Removes archives (and leftovers of interrupted exports) of images the store no longer has. */
async function pruneArchives(store: Store): Promise<void> {
  const ids = (await buildah(store, ['images', '--all', '--quiet', '--no-trunc'])).split('\n').map((l) => l.replace(/^sha256:/, '').trim());
  for (const name of await readdir(store.dirs.archives)) {
    const id = archiveId(name);
    if (id === undefined || !ids.some((full) => full.startsWith(id))) await rm(join(store.dirs.archives, name), { force: true });
  }
}

/** The OCI archive of `ref` (made once per image id); resolves with its path. */
export async function exportArchive(store: Store, ref: string, log: Logger): Promise<string> {
  const image = await inspectImage(store, ref);
  if (!image) throw new Error(`no image ${ref} in ${store.dirs.graphroot}: run ensureImages() first`);
  const path = join(store.dirs.archives, archiveName(ref, image.id));
  if (!(await stat(path).then(() => true, () => false))) {
    const started = Date.now();
    const partial = `${path}.${process.pid}.partial`;
    await rm(partial, { force: true });
    try {
      await buildah(store, ['push', '--quiet', ref, `oci-archive:${partial}:${ref}`]);
      await rename(partial, path);
    } finally {
      await rm(partial, { force: true });
    }
    log.info({ ref, archive: path, seconds: (Date.now() - started) / 1000 }, 'image exported');
  }
  await pruneArchives(store);
  return path;
}

/** Imports an archive into containerd's k8s.io namespace (the one the kubelet's CRI uses); returns the names. */
export async function importArchive(archive: string, containerdAddress: string, logFile: string): Promise<string[]> {
  const out = await run('ctr', ['--address', containerdAddress, '--namespace', 'k8s.io', 'images', 'import', archive],
    { cwd: '/', logFile });
  return [...out.matchAll(/^unpacking (\S+) \(/gm)].map((m) => m[1]!);
}
