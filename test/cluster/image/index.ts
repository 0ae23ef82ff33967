// The container images the real node runs, built with buildah into a private store under
// ${TPO_CACHE_DIR:-~/.cache/tpo}/containers and cached: the base image (node:<version>-bookworm-slim, made
// locally), the project image from the Dockerfile, the pod sandbox (pause) image and the upstream collector image.
//   const images = await ensureImages(log);                 // refs, built or reused
//   await importImage(await exportImage(images.project), '/run/.../containerd.sock');
import pino, { type Logger } from 'pino';
import { withLock } from '../lock.ts';
import { ensureDebianPackages } from '../packages.ts';
import { exportArchive, importArchive } from './archive.ts';
import { ensureBaseImage } from './base.ts';
import { inspectImage, openStore } from './buildah.ts';
import { ensureProjectImage } from './project.ts';
import { ensurePauseImage, PAUSE_PACKAGE } from './pause.ts';
import { ensureUpstreamImage, upstreamBinary } from './upstream.ts';

export { PROJECT_REPOSITORY } from './project.ts';
export { PAUSE_REF } from './pause.ts';
export { UPSTREAM_REPOSITORY } from './upstream.ts';

/** Host packages the builds use (buildah's runtime, debootstrap, the pause image's busybox, the CA bundle). */
export const IMAGE_PACKAGES = ['buildah', 'runc', 'debootstrap', PAUSE_PACKAGE, 'ca-certificates', 'file'] as const;
/** A cold build (debootstrap, npm ci, the upstream collector with cold Go caches) stays well under this. */
export const IMAGES_TIMEOUT_MS = 30 * 60_000;

export type ImageStep = { ref: string; built: boolean; seconds: number };
export type Images = {
  project: string;
  pause: string;
  upstream: string;
  /** The local node:<version>-bookworm-slim the project image builds on. */
  base: string;
  /** Uncompressed size in bytes by ref. */
  sizes: Record<string, number>;
  steps: ImageStep[];
};

const silent = pino({ level: 'silent' });

function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${what} needs root (buildah builds into a private store with chroot isolation)`);
}

/** Builds what is missing or stale and returns the refs; a warm cache costs a few buildah calls. */
export async function ensureImages(log: Logger): Promise<Images> {
  requireRoot('building the container images');
  await ensureDebianPackages(IMAGE_PACKAGES, log);
  const store = await openStore(log);
  return withLock(store.dirs.lock, IMAGES_TIMEOUT_MS, async () => {
    // The Go build of the upstream collector runs while debootstrap and npm wait on the network.
    const binary = upstreamBinary(log);
    binary.catch(() => undefined);
    const base = await ensureBaseImage(store, log);
    const project = await ensureProjectImage(store, base, log);
    const pause = await ensurePauseImage(store);
    const upstream = await ensureUpstreamImage(store, await binary);
    const steps = [base, project, pause, upstream].map(({ ref, built, seconds }) => ({ ref, built, seconds }));
    const sizes: Record<string, number> = {};
    for (const { ref } of steps) sizes[ref] = (await inspectImage(store, ref))?.size ?? 0;
    return { project: project.ref, pause: pause.ref, upstream: upstream.ref, base: base.ref, sizes, steps };
  });
}

/** An OCI archive of `ref` for containerd, made once per image id; resolves with its path. */
export async function exportImage(ref: string, log: Logger = silent): Promise<string> {
  requireRoot('exporting an image');
  const store = await openStore(log);
  return withLock(store.dirs.lock, IMAGES_TIMEOUT_MS, () => exportArchive(store, ref, log));
}

/** `ctr images import` of an archive into the k8s.io namespace of the containerd at `containerdAddress`. */
export async function importImage(archive: string, containerdAddress: string, log: Logger = silent): Promise<string[]> {
  await ensureDebianPackages(['containerd'], log);
  const store = await openStore(log);
  return importArchive(archive, containerdAddress, store.dirs.logFile);
}
