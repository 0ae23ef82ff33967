// The npm route, as a user takes it: the release's npm package (compiled dist/ only) installed into an empty
// project with `npm install --engine-strict`, then `tpo --version`, `render`, `crd`, `collector validate` and a
// short-lived collector, on Node 22 (the engines floor) and Node 24, both from the npm `node` package. The
// README's npm commands run as written, with a temporary global prefix.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packNpm } from '../../scripts/release-files.ts';
import { crdYaml } from '../../src/api/crd.ts';
import { freePorts } from '../support/free-port.ts';
import { REPO } from '../support/helm-kubectl.ts';
import { NODE_22, npmNode } from '../support/node-runtimes.ts';
import { waitFor } from '../support/wait.ts';

const work = mkdtempSync(join(tmpdir(), 'tpo-npm-'));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };
const SAMPLE = join(REPO, 'manifests/samples/balanced.yaml');
// The `node` devDependency: Node 24 from the npm `node` package, whichever Node runs Jest.
const NODE_24 = join(REPO, 'node_modules/node/bin/node');
let tarball: string;

afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  tarball = await packNpm(REPO, join(work, 'pack'));
}, 180_000);

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** PATH with `node` first, so npm, npx and the `#!/usr/bin/env node` of the installed bin all run on it. */
function envFor(node: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${dirname(node)}:${process.env['PATH'] ?? ''}`, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', ...extra };
}

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv): Result {
  const r = spawnSync('sh', ['-c', command], { cwd, env, encoding: 'utf8', timeout: 180_000, maxBuffer: 32 * 1024 * 1024 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOk(r: Result): string {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

test('the package holds the compiled dist/ with types and source maps, and no sources, tests, benchmarks or scripts', () => {
  const entries = expectOk(sh(`tar -tzf ${tarball}`, work, process.env)).trim().split('\n');
  const outside = entries.filter((e) => !e.startsWith('package/dist/'));
  expect(outside.sort()).toEqual(['package/README.md', 'package/package.json']);
  for (const file of ['cli.js', 'cli.js.map', 'cli.d.ts', 'collector/main.js', 'operator/main.js']) expect(entries).toContain(`package/dist/${file}`);
  expect(entries.filter((e) => e.endsWith('.ts') && !e.endsWith('.d.ts'))).toEqual([]);
  const packed = JSON.parse(expectOk(sh(`tar -xzOf ${tarball} package/package.json`, work, process.env))) as { bin: Record<string, string> };
  expect(packed.bin).toEqual({ tpo: 'dist/cli.js' });
});

const collectorConfig = (host: string, [grpc, http, health, metrics]: number[]) => `
extensions:
  health_check: {endpoint: "${host}:${health}"}
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "${host}:${grpc}"}
      http: {endpoint: "${host}:${http}"}
processors:
  batch: {}
exporters:
  debug: {}
service:
  extensions: [health_check]
  telemetry: {metrics: {readers: [{pull: {exporter: {prometheus: {host: "${host}", port: ${metrics}}}}}]}}
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [debug]}
`;

const SPAN = {
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'npm-install-test' } }] },
    scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'GET /', kind: 2, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000' }] }],
  }],
};

describe.each([
  [`Node ${NODE_22}`, () => npmNode(NODE_22)],
  ['Node 24', async () => NODE_24],
])('installed with npm on %s', (_name, nodeBinary) => {
  let node: string;
  let project: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    node = await nodeBinary();
    project = mkdtempSync(join(work, 'project-'));
    env = envFor(node);
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'try-tpo', version: '1.0.0', private: true })}\n`);
    // --engine-strict: the install fails unless package.json `engines` admits this Node.
    expectOk(sh(`npm install --engine-strict ${tarball}`, project, env));
  }, 20 * 60_000);

  test('npx tpo --version runs on this Node', () => {
    expect(expectOk(sh('node --version', project, env))).toBe(spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout);
    expect(expectOk(sh('npx --no -- tpo --version', project, env))).toBe(`${pkg.version}\n`);
  });

  test('npx tpo render and tpo crd print what the sources print', () => {
    const fromSources = spawnSync(process.execPath, [join(REPO, 'src/cli.ts'), 'render', '-f', SAMPLE], { encoding: 'utf8' }).stdout;
    expect(fromSources).toContain('kind: Deployment');
    expect(expectOk(sh(`npx --no tpo render -f ${SAMPLE}`, project, env))).toBe(fromSources);
    expect(expectOk(sh('npx --no tpo crd', project, env))).toBe(crdYaml());
  });

  test('tpo collector validate, then a short-lived collector: health 200, an OTLP/HTTP export accepted, clean SIGTERM exit', async () => {
    const host = '127.0.0.1';
    const ports = await freePorts(4, host);
    const config = join(project, 'collector.yaml');
    writeFileSync(config, collectorConfig(host, ports));
    expect(expectOk(sh(`npx --no tpo collector validate --config ${config}`, project, env))).toBe('config is valid\n');

    const child = spawn(join(project, 'node_modules/.bin/tpo'), ['collector', '--config', config], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let logs = '';
    child.stderr.on('data', (c: Buffer) => (logs += c.toString('utf8')));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor('collector health', async () => (await fetch(`http://${host}:${ports[2]}/`).catch(() => undefined))?.status === 200, 30_000);
      const sent = await fetch(`http://${host}:${ports[1]}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SPAN) });
      expect(sent.status).toBe(200);
      const metrics = await (await fetch(`http://${host}:${ports[3]}/metrics`)).text();
      expect(metrics).toMatch(/otelcol_receiver_accepted_spans\{[^}]*\} 1\b/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(logs).not.toMatch(/"level":(50|60)/);
  }, 60_000);
});

const machineNode = '/usr/bin/node';
const machineMajor = existsSync(machineNode) ? Number(spawnSync(machineNode, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) : NaN;
(machineMajor < 22 ? test : test.skip)(`below the engines floor (this machine's Node ${machineMajor}) tpo says which Node it needs, in one line`, () => {
  const dir = mkdtempSync(join(work, 'old-node-'));
  expectOk(sh(`tar -xzf ${tarball} -C ${dir}`, work, process.env));
  const r = spawnSync(machineNode, [join(dir, 'package/dist/cli.js'), '--version'], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^tpo: needs Node\\.js \\${pkg.engines.node.replace(/[|.]/g, '\\$&')}, this is v${machineMajor}\\.\\d+\\.\\d+\\n$`));
});

/** The README's `### npm` install block: its command lines, comments and blank lines left out. */
function readmeNpmCommands(): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const block = /^### npm\n[\s\S]*?```sh\n([\s\S]*?)```/m.exec(readme.slice(readme.indexOf('\n## Install')))?.[1];
  if (!block) throw new Error('README.md: no ```sh block under "### npm" in "## Install"');
  return block.split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()).filter((line) => line !== '' && !line.startsWith('#'));
}

test(`the README's npm commands work as written (Node ${NODE_22}, a temporary global prefix)`, async () => {
  const prefix = join(work, 'global');
  mkdirSync(prefix, { recursive: true });
  const node = await npmNode(NODE_22);
  const env = envFor(node, { npm_config_prefix: prefix, PATH: `${join(prefix, 'bin')}:${dirname(node)}:${process.env['PATH'] ?? ''}` });
  const commands = readmeNpmCommands();
  expect(commands.some((c) => c.startsWith('npm install -g '))).toBe(true);
  for (const command of commands) {
    const r = sh(command, REPO, env);
    if (r.code !== 0) throw new Error(`README: \`${command}\` exited ${r.code}: ${r.stderr}`);
  }
  expect(existsSync(join(prefix, 'bin/tpo'))).toBe(true);
}, 20 * 60_000);
