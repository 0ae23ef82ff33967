// The container image without a container engine: the files the Dockerfile copies, plus `npm ci` as its deps stage
// runs it, laid out in a clean directory as /app and /usr/local/bin/tpo. From there, with this machine's Node 24
// (the image's runtime), `tpo crd`, `tpo render`, `tpo collector validate`, a collector and an operator run; only
// production dependencies are installed and nothing writes into the app directory (read-only root filesystem).
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { crdYaml } from '../../src/api/crd.ts';
import { CLUSTER_TIMEOUT_MS } from '../cluster/harness.ts';
import { REPO, run, type RunResult } from '../support/helm-kubectl.ts';
import { createNamespace, deleteNamespace, testCluster, waitFor, type TestCluster } from './operator-helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'tpo-image-'));
const app = join(root, 'app');
const usrLocalBin = join(root, 'usr/local/bin');
const scratch = mkdtempSync(join(tmpdir(), 'tpo-image-scratch-'));
// PATH as in the image: /usr/local/bin holds both `node` (here: this machine's Node 24) and the `tpo` link.
const env = { PATH: `${usrLocalBin}:${dirname(process.execPath)}:/usr/bin:/bin`, NODE_ENV: 'production', HOME: scratch, TMPDIR: scratch };
const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
let cluster: TestCluster;
let namespace: string | undefined;
const children: ChildProcess[] = [];

/** path -> size and mtime of every file under `dir` (symlinks not followed). */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const s = statSync(path, { throwIfNoEntry: false });
    if (s && !s.isDirectory()) files.set(path, `${s.size}:${s.mtimeMs}`);
  }
  return files;
}

/** `tpo ...` through the /usr/local/bin link, in WORKDIR /app. */
function tpo(args: string[], extraEnv: Record<string, string> = {}): Promise<RunResult> {
  return run('tpo', args, { cwd: app, env: { ...env, ...extraEnv } });
}

function start(args: string[], extraEnv: Record<string, string> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn('tpo', args, { cwd: app, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

let before: Map<string, string>;

beforeAll(async () => {
  // The Dockerfile's deps stage: package.json + package-lock.json, then its own `npm ci` line (from the local cache).
  const deps = join(root, 'deps');
  mkdirSync(deps, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) cpSync(join(REPO, f), join(deps, f));
  // Its RUN line, step by step (without `npm cache clean`, which would empty this machine's cache).
  const steps = /^RUN (npm pkg .*?npm ci .*?)(?=^\S)/ms.exec(dockerfile)?.[1]?.split(/\s*(?:&&|\\\n)\s*/).filter((s) => s.startsWith('npm '));
  if (!steps?.some((s) => s.startsWith('npm ci '))) throw new Error('Dockerfile: no `RUN npm ... npm ci ...` line');
  for (const step of steps.filter((s) => !s.startsWith('npm cache'))) {
    const args = [...step.split(/\s+/).slice(1), ...(step.startsWith('npm ci ') ? ['--prefer-offline'] : [])];
    const done = await run('npm', args, { cwd: deps, env: { ...env, HOME: process.env['HOME'] ?? scratch } });
    if (done.code !== 0) throw new Error(`${step}: ${done.stderr}`);
  }

  // The final stage: COPY --from=deps node_modules, every COPY from the build context, the `tpo` link.
  mkdirSync(app, { recursive: true });
  renameSync(join(deps, 'node_modules'), join(app, 'node_modules'));
  for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) (\S+)$/gm)) {
    const sources = m[1]!.split(' ');
    for (const source of sources) {
      const target = m[2]!.endsWith('/') ? join(app, m[2]!, source) : join(app, m[2]!);
      cpSync(join(REPO, source), target, { recursive: true });
    }
  }
  const link = /^RUN ln -s (\S+) (\S+)$/m.exec(dockerfile);
  expect(link?.slice(1)).toEqual(['/app/bin/tpo.js', '/usr/local/bin/tpo']);
  mkdirSync(usrLocalBin, { recursive: true });
  symlinkSync(join(app, 'bin/tpo.js'), join(usrLocalBin, 'tpo'));
  before = snapshot(app);
  cluster = await testCluster();
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (namespace) await deleteNamespace(cluster.client, namespace);
  cluster?.client.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

test('only production dependencies are installed', () => {
  const modules = new Set(readdirSync(join(app, 'node_modules')));
  for (const runtime of ['@kubernetes', '@grpc', 'pino', 'prom-client', 'yaml', 'zod']) expect(modules).toContain(runtime);
  for (const dev of ['jest', 'typescript', 'node', '@swc', 'fast-check', 'node-forge', '@prometheus-io']) expect(modules).not.toContain(dev);
});

test('tpo crd and tpo render run from the layout (entrypoint form and the tpo link)', async () => {
  const crd = await run(process.execPath, [join(app, 'bin/tpo.js'), 'crd'], { cwd: app, env });
  expect(crd).toMatchObject({ code: 0, stdout: crdYaml() });
  const rendered = await tpo(['render', '-f', join(REPO, 'manifests/samples/high-throughput.yaml')]);
  expect(rendered.stderr).toBe('');
  const kinds = parseAllDocuments(rendered.stdout).map((d) => (d.toJS() as { kind: string }).kind);
  expect(kinds).toEqual(expect.arrayContaining(['ConfigMap', 'Deployment', 'Service', 'ServiceAccount', 'PodDisruptionBudget']));
});

test('a rendered collector config validates and runs as a collector (health 200, clean SIGTERM exit)', async () => {
  const rendered = await tpo(['render', '-f', join(REPO, 'manifests/samples/low-latency.yaml')]);
  const configMap = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as { kind: string; data?: Record<string, string> }).find((o) => o.kind === 'ConfigMap');
  const config = join(scratch, 'config.yaml');
  writeFileSync(config, configMap!.data!['config.yaml']!);
  // The pod's IP: a loopback address of its own, so the fixed collector ports do not collide with other tests.
  const podIp = `127.88.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;
  expect(await tpo(['collector', 'validate', '--config', config], { POD_IP: podIp })).toMatchObject({ code: 0 });

  const collector = start(['collector', '--config', config], { POD_IP: podIp });
  await waitFor('collector health', async () => (await fetch(`http://${podIp}:13133/`).catch(() => undefined))?.status === 200, 30_000);
  const metrics = await (await fetch(`http://${podIp}:8888/metrics`)).text();
  expect(metrics).toContain('otelcol_process_memory_rss');
  collector.child.kill('SIGTERM');
  expect(await collector.exited).toBe(0);
}, 60_000);

test('the operator runs from the layout against the local control plane (readyz 200, clean SIGTERM exit)', async () => {
  namespace = await createNamespace(cluster.client, 'image-layout');
  const operator = start(['operator', '--kubeconfig', cluster.kubeconfig, '--namespace', namespace, '--metrics-addr', '127.0.0.1:0', '--health-addr', '127.0.0.1:0']);
  const health = await waitFor('the operator to listen', async () => /"health":"([^"]+)"/.exec(operator.output())?.[1], 30_000);
  await waitFor('operator readyz', async () => (await fetch(`http://${health}/readyz`).catch(() => undefined))?.status === 200, 30_000);
  operator.child.kill('SIGTERM');
  expect(await operator.exited).toBe(0);
  expect(operator.output()).not.toMatch(/"level":(50|60)/);
}, 60_000);

test('nothing wrote into the app directory (the root filesystem is read-only in the pod)', () => {
  expect(snapshot(app)).toEqual(before);
});
