// The images the real node runs, checked without a kubelet: built (or reused) by ensureImages, then inspected and
// run with `buildah run` in the harness's private store. The project image runs as non-root, holds exactly the
// lock file's production packages and none of the build's npm settings, and `tpo render` / `tpo collector
// validate` work inside it; the exported archives import into a containerd under their own names.
// Needs root (buildah, containerd); reported as skipped with that reason otherwise.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseAllDocuments } from 'yaml';
import { ALLOCATOR_ENV } from '../../src/collector/gc-tuning.ts';
import { REPO_ROOT } from '../cluster/layout.ts';
import { buildah, inspectImage, openStore, type Store, withContainer, withMount } from '../cluster/image/buildah.ts';
import { ensureImages, exportImage, importImage, IMAGES_TIMEOUT_MS, type Images } from '../cluster/image/index.ts';
import { containerdImages, withPrivateContainerd } from '../cluster/image/private-containerd.ts';
import { NPM_CONFIG_PATHS } from '../cluster/image/project.ts';

const skipReason = process.platform !== 'linux' ? 'needs Linux' : process.getuid?.() !== 0 ? 'needs root (buildah, containerd)' : undefined;
const log = pino({ name: 'images', level: 'warn' });
const SAMPLE = 'low-latency.yaml';
let images: Images;
let store: Store;
const scratch = mkdtempSync(join(tmpdir(), 'tpo-image-test-'));

/** `buildah run` of `command` in a fresh container of `image` (as `user`, with `volumes`); stdout. */
function runIn(image: string, user: string, command: string[], volumes: string[] = [], env: string[] = []): Promise<string> {
  return withContainer(store, image, (container) =>
    buildah(store, ['run', '--user', user, ...volumes.flatMap((v) => ['-v', v]), ...env.flatMap((e) => ['--env', e]), container, '--', ...command]));
}

/** Paths like node_modules/a/node_modules/@s/b of every package directory under `dir`/node_modules. */
async function installedPackages(root: string, prefix = 'node_modules'): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir(join(root, prefix)).catch(() => [] as string[])) {
    if (name.startsWith('.')) continue;
    const names = name.startsWith('@') ? (await readdir(join(root, prefix, name))).map((n) => `${name}/${n}`) : [name];
    for (const pkg of names) {
      const path = `${prefix}/${pkg}`;
      if (!(await lstat(join(root, path, 'package.json')).then(() => true, () => false))) continue;
      found.push(path, ...(await installedPackages(root, `${path}/node_modules`)));
    }
  }
  return found;
}

/** Regular files under `dir` (not descending into node_modules). */
async function filesUnder(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, dir), { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...(await filesUnder(root, path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

const suite = skipReason ? describe.skip : describe;

suite(`container images${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  beforeAll(async () => {
    const started = Date.now();
    images = await ensureImages(log);
    store = await openStore(log);
    const sizes = Object.entries(images.sizes).map(([ref, bytes]) => `  ${ref}: ${(bytes / 1e6).toFixed(1)} MB`).join('\n');
    console.log(`images ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n${sizes}`);
  }, IMAGES_TIMEOUT_MS);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test('the project image runs as 65532 and holds exactly the lock file\'s production packages', async () => {
    const image = await inspectImage(store, images.project);
    expect(image?.user).toBe('65532:65532');
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const production = Object.entries(lock.packages).filter(([path, p]) => path !== '' && !p.dev).map(([path]) => path).sort();
    const installed = await withContainer(store, images.project, (c) => withMount(store, c, (root) => installedPackages(join(root, 'app'))));
    expect(installed.sort()).toEqual(production);
    for (const dev of ['jest', 'typescript', '@swc/core', 'node', 'fast-check']) expect(installed).not.toContain(`node_modules/${dev}`);
  });

  test('no npm configuration, registry address or CA bundle of the build stays in the project image', async () => {
    const registry = new URL(execFileSync('npm', ['config', 'get', 'registry'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim()).host;
    await withContainer(store, images.project, (c) => withMount(store, c, async (root) => {
      for (const path of NPM_CONFIG_PATHS) expect(await lstat(join(root, path)).then(() => path, () => undefined)).toBeUndefined();
      expect(await readdir(join(root, 'usr/local/etc'))).toEqual([]);
      for (const dir of ['etc', 'root', 'home', 'usr/local/etc', 'run', 'tmp', 'app']) {
        for (const file of await filesUnder(root, dir)) {
          const text = await readFile(join(root, file), 'latin1');
          expect({ file, registry: text.includes(registry), certificate: text.includes('BEGIN CERTIFICATE') })
            .toEqual({ file, registry: false, certificate: false });
        }
      }
    }));
  });

  test('tpo render and tpo collector validate run inside the project image as 65532', async () => {
    const samples = join(REPO_ROOT, 'manifests/samples');
    const rendered = await runIn(images.project, '65532:65532', ['tpo', 'render', '-f', `/samples/${SAMPLE}`], [`${samples}:/samples:ro`]);
    const objects = parseAllDocuments(rendered).map((d) => d.toJS() as { kind: string; data?: Record<string, string> });
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['ConfigMap', 'Deployment', 'Service']));
    const config = objects.find((o) => o.kind === 'ConfigMap')?.data?.['config.yaml'];
    expect(config).toBeDefined();
    // Readable by the image's user (mkdtemp makes the directory private to root).
    chmodSync(scratch, 0o755);
    writeFileSync(join(scratch, 'config.yaml'), config!, { mode: 0o644 });
    await runIn(images.project, '65532:65532', ['tpo', 'collector', 'validate', '--config', '/config/config.yaml'],
      [`${scratch}:/config:ro`], ['POD_IP=127.0.0.1']);
  });

  test('node in the project image runs on jemalloc with the settings of gc-tuning.ts', async () => {
    const script = "process.stdout.write(JSON.stringify({ maps: require('fs').readFileSync('/proc/self/maps', 'utf8'), conf: process.env.MALLOC_CONF }))";
    const { maps, conf } = JSON.parse(await runIn(images.project, '65532:65532', ['node', '-e', script])) as { maps: string; conf: string };
    expect(maps).toContain('libjemalloc.so.2');
    expect(conf).toBe(ALLOCATOR_ENV['MALLOC_CONF']);
  });

  test('the pause and upstream collector images: unprivileged users, the upstream binary runs', async () => {
    expect((await inspectImage(store, images.pause))?.user).toBe('65535:65535');
    expect((await inspectImage(store, images.upstream))?.user).toBe('10001:10001');
    expect(await runIn(images.upstream, '10001:10001', ['/otelcol-tpo', '--version'])).toMatch(/\d+\.\d+\.\d+/);
  });

  test('exported archives import into containerd under their own names', async () => {
    const archives = [await exportImage(images.project, log), await exportImage(images.pause, log)];
    expect(await exportImage(images.project, log)).toBe(archives[0]);
    await withPrivateContainerd(async (address) => {
      for (const archive of archives) await importImage(archive, address, log);
      expect(await containerdImages(address)).toEqual(expect.arrayContaining([images.project, images.pause]));
    });
  }, 120_000);
});
