// The project image: `buildah bud` of the unchanged Dockerfile on the local base image, tagged with a hash of
// everything that goes into it, so an unchanged tree reuses the image and any change builds a new one.
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Logger } from 'pino';
import { REPO_ROOT } from '../layout.ts';
import { run } from '../run.ts';
import type { BaseImage, Built } from './base.ts';
import { buildah, inspectImage, removeImage, type Store, withContainer, withMount } from './buildah.ts';
import { BUILD_CA_NAME, BUILD_NPM_DIR, BUILD_NPMRC_NAME, buildNpmrc } from './conf.ts';
import { type ContextFile, contentTag, STAMP_LABEL } from './stamp.ts';

export const PROJECT_REPOSITORY = 'localhost/telemetry-pipeline-operator';
/** Project images kept in the store (other worktrees sharing the cache may build other trees). */
const KEEP_PROJECT_IMAGES = 3;
/** What the Dockerfile and .dockerignore let into the image; a file or a directory taken whole. */
export const CONTEXT_INPUTS = ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src'] as const;

async function contextFiles(repo: string): Promise<ContextFile[]> {
  const files: ContextFile[] = [];
  const add = async (path: string): Promise<void> => {
    const s = await lstat(path);
    const rel = relative(repo, path);
    if (s.isDirectory()) {
      for (const name of await readdir(path)) await add(join(path, name));
    } else if (s.isSymbolicLink()) {
      files.push({ path: rel, mode: 'symlink', content: Buffer.from(await readlink(path)) });
    } else if (s.isFile()) {
      files.push({ path: rel, mode: s.mode & 0o111 ? 'executable' : 'file', content: await readFile(path) });
    }
  };
  for (const input of CONTEXT_INPUTS) await add(join(repo, input));
  return files;
}

async function npmConfig(key: string, logFile: string): Promise<string | undefined> {
  const value = (await run('npm', ['config', 'get', key], { cwd: REPO_ROOT, logFile })).trim();
  return value === '' || value === 'null' || value === 'undefined' ? undefined : value;
}

/** A directory holding the build's npmrc and this machine's CA bundle, mounted into RUN steps only. */
async function npmMount(logFile: string): Promise<{ volume: string; dir: string }> {
  const registry = await npmConfig('registry', logFile) ?? 'https://registry.npmjs.org/';
  const cafile = await npmConfig('cafile', logFile);
  const dir = await mkdtemp(join(tmpdir(), 'tpo-npm-'));
  await writeFile(join(dir, BUILD_NPMRC_NAME), buildNpmrc({ registry, cafile: cafile !== undefined }));
  if (cafile) await copyFile(cafile, join(dir, BUILD_CA_NAME));
  return { volume: `${dir}:${BUILD_NPM_DIR}:ro`, dir };
}

/** Files through which the build's npm settings could have stayed in the image (none may exist). */
export const NPM_CONFIG_PATHS = [
  `${BUILD_NPM_DIR}/${BUILD_NPMRC_NAME}`, `${BUILD_NPM_DIR}/${BUILD_CA_NAME}`, '/root/.npmrc', '/app/.npmrc', '/etc/npmrc',
];

async function leftovers(store: Store, ref: string): Promise<string[]> {
  return withContainer(store, ref, (container) => withMount(store, container, async (root) => {
    const found: string[] = [];
    for (const path of NPM_CONFIG_PATHS) {
      if (await lstat(join(root, path)).then(() => true, () => false)) found.push(path);
    }
    return found;
  }));
}

/** Removes project images beyond the newest KEEP_PROJECT_IMAGES (the one just built always stays). */
async function pruneOldTags(store: Store, keep: string): Promise<void> {
  const listed = JSON.parse(await buildah(store, ['images', '--json'])) as { id: string; names: string[] | null; created: number }[];
  const older = listed
    .filter((image) => (image.names ?? []).some((n) => n.startsWith(`${PROJECT_REPOSITORY}:`)) && !(image.names ?? []).includes(keep))
    .sort((a, b) => b.created - a.created);
  for (const image of older.slice(KEEP_PROJECT_IMAGES - 1)) await removeImage(store, image.id);
}

/** Builds the project image on `base` unless an image of this exact content exists; returns its ref. */
export async function ensureProjectImage(store: Store, base: BaseImage, log: Logger): Promise<Built> {
  const started = Date.now();
  const pkg = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const buildArgs = { NODE_VERSION: base.nodeVersion, VERSION: pkg.version };
  const tag = contentTag(await contextFiles(REPO_ROOT), { base: base.stamp, buildArgs, npmMount: BUILD_NPM_DIR });
  const ref = `${PROJECT_REPOSITORY}:${tag}`;
  if (await inspectImage(store, ref)) {
    await pruneOldTags(store, ref);
    return { ref, stamp: tag, built: false, seconds: 0 };
  }

  log.info({ ref, logFile: store.dirs.logFile }, 'building the project image with buildah bud');
  const npm = await npmMount(store.dirs.logFile);
  try {
    await mkdir(store.dirs.root, { recursive: true });
    await buildah(store, ['bud', '--pull=never', '--isolation=chroot', '--layers',
      ...Object.entries(buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
      '--label', `${STAMP_LABEL}=${tag}`, '-v', npm.volume,
      '-f', join(REPO_ROOT, 'Dockerfile'), '-t', ref, REPO_ROOT], REPO_ROOT);
  } finally {
    await rm(npm.dir, { recursive: true, force: true });
  }
  const baked = await leftovers(store, ref);
  if (baked.length > 0) {
    const image = await inspectImage(store, ref);
    if (image) await removeImage(store, image.id);
    throw new Error(`${ref}: the build's npm settings stayed in the image (${baked.join(', ')}); image removed`);
  }
  await pruneOldTags(store, ref);
  const seconds = (Date.now() - started) / 1000;
  log.info({ ref, seconds }, 'project image built');
  return { ref, stamp: tag, built: true, seconds };
}
