// The container image without a container engine: the Dockerfile's stages played in clean directories (each
// stage's /app one directory: its COPY lines, its RUN lines' npm steps, `npm ci` from the local cache), the final
// stage laid out as /app with its /usr/local/bin/tpo link. From there, with this machine's Node 24 (the image's
// runtime), `tpo crd`, `tpo render`, `tpo collector validate`, a collector and an operator run; the app holds the
// compiled dist/ and only production dependencies, and nothing writes into it (read-only root filesystem).
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { crdYaml } from '../../src/api/crd.ts';
import { CLUSTER_TIMEOUT_MS } from '../cluster/harness.ts';
import { REPO, run, type RunResult } from '../support/helm-kubectl.ts';
import { createNamespace, deleteNamespace, testCluster, waitFor, type TestCluster } from './operator-helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'tpo-image-'));
const usrLocalBin = join(root, 'usr/local/bin');
const scratch = mkdtempSync(join(tmpdir(), 'tpo-image-scratch-'));
// PATH as in the image: /usr/local/bin holds both `node` (here: this machine's Node 24) and the `tpo` link.
const env = { PATH: `${usrLocalBin}:${dirname(process.execPath)}:/usr/bin:/bin`, NODE_ENV: 'production', HOME: scratch, TMPDIR: scratch };
// The build stages' RUN steps see no NODE_ENV (the Dockerfile sets it in the final stage only): with it, `npm ci`
// would leave out the devDependencies the build stage compiles with.
const { NODE_ENV: _finalStageOnly, ...buildEnv } = env;
const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
/** The final stage's /app. */
let app: string;
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

/** Each stage's name (the last one: "final") and instructions, continuation lines joined, comments left out. */
function stages(text: string): { name: string; lines: string[] }[] {
  const out: { name: string; lines: string[] }[] = [];
  for (const line of text.replace(/\\\n\s*/g, ' ').split('\n')) {
    if (line.startsWith('FROM ')) out.push({ name: / AS (\S+)$/.exec(line)?.[1] ?? 'final', lines: [] });
    else if (out.length > 0 && /^[A-Z]+ /.test(line)) out.at(-1)!.lines.push(line);
  }
  return out;
}

/** A path of the image's /app in the directory standing for it. */
const inApp = (dir: string, path: string) => join(dir, path.replace(/^\/app\/?/, '').replace(/^\.\//, ''));

let before: Map<string, string>;

beforeAll(async () => {
  const dirs = new Map<string, string>();
  for (const stage of stages(dockerfile)) {
    const dir = join(root, stage.name);
    mkdirSync(dir, { recursive: true });
    dirs.set(stage.name, dir);
    for (const line of stage.lines) {
      const [instruction, ...words] = line.split(/\s+/);
      if (instruction === 'WORKDIR') expect(words).toEqual(['/app']);
      else if (instruction === 'COPY' && words[0]!.startsWith('--from=')) {
        const from = dirs.get(words[0]!.slice('--from='.length))!;
        cpSync(inApp(from, words[1]!), inApp(dir, words[2]!), { recursive: true });
      } else if (instruction === 'COPY') {
        const target = words.at(-1)!;
        for (const source of words.slice(0, -1)) {
          cpSync(join(REPO, source), target.endsWith('/') ? join(inApp(dir, target), basename(source)) : inApp(dir, target), { recursive: true });
        }
      } else if (instruction === 'RUN') {
        for (const step of line.slice('RUN '.length).split(/\s*&&\s*/)) {
          // `npm cache clean` would empty this machine's cache; the other steps touch only the image's system files.
          if (!step.startsWith('npm ') || step.startsWith('npm cache ')) continue;
          const args = [...step.split(/\s+/).slice(1), ...(step.startsWith('npm ci ') ? ['--prefer-offline'] : [])];
          const done = await run('npm', args, { cwd: dir, env: { ...buildEnv, HOME: process.env['HOME'] ?? scratch } });
          if (done.code !== 0) throw new Error(`${stage.name}: ${step}: ${done.stderr}`);
        }
      }
    }
  }
  app = dirs.get('final')!;
  const link = /^RUN ln -s (\S+) (\S+)$/m.exec(dockerfile);
  expect(link?.slice(1)).toEqual(['/app/dist/cli.js', '/usr/local/bin/tpo']);
  mkdirSync(usrLocalBin, { recursive: true });
  symlinkSync(inApp(app, link![1]!), join(usrLocalBin, 'tpo'));
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

test('the app holds the compiled dist/, package.json and production dependencies only', () => {
  expect(readdirSync(app).sort()).toEqual(['dist', 'node_modules', 'package.json']);
  expect(readdirSync(join(app, 'dist'), { recursive: true }).filter((f) => String(f).endsWith('.ts') && !String(f).endsWith('.d.ts'))).toEqual([]);
  const modules = new Set(readdirSync(join(app, 'node_modules')));
  for (const runtime of ['@kubernetes', '@grpc', 'pino', 'prom-client', 'yaml', 'zod']) expect(modules).toContain(runtime);
  for (const dev of ['jest', 'typescript', 'node', '@swc', 'fast-check', 'node-forge', '@prometheus-io']) expect(modules).not.toContain(dev);
});

test('tpo crd and tpo render run from the layout (entrypoint form and the tpo link)', async () => {
  const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(dockerfile)![1]!) as string[];
  expect(entrypoint).toEqual(['node', '/app/dist/cli.js']);
  const crd = await run(process.execPath, [inApp(app, entrypoint[1]!), 'crd'], { cwd: app, env });
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
