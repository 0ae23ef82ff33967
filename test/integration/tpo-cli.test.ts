// `tpo` as a user meets it: help and version, unknown options refused with the usage line, and a listen address
// already taken reported in one line that names the flag or config field to change.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../support/helm-kubectl.ts';

const dir = mkdtempSync(join(tmpdir(), 'tpo-cli-'));
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

function tpo(args: string[]) {
  const result = spawnSync(process.execPath, [join(REPO, 'src/cli.ts'), ...args], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same, asynchronously: a port holder in this process must keep accepting while the child runs. */
function tpoAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'src/cli.ts'), ...args], { cwd: dir, timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A port on 127.0.0.1 that this process holds. */
async function takenPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('tpo --help lists every command and exits 0', () => {
  const r = tpo(['--help']);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  expect(r.stdout).toMatch(/^usage: tpo <command> \[options\]\n/);
  for (const command of ['operator', 'collector', 'render', 'crd']) expect(r.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
  expect(tpo(['-h']).stdout).toBe(r.stdout);
});

test.each([
  [['operator', '--help'], 'usage: tpo operator [options]'],
  [['collector', '--help'], 'usage:\n  tpo collector --config FILE'],
  [['collector', 'validate', '-h'], 'usage:\n  tpo collector --config FILE'],
  [['render', '--help'], 'usage: tpo render -f PIPELINE.yaml'],
  [['crd', '--help'], 'usage: tpo crd'],
])('tpo %j prints the usage and exits 0', (args, usage) => {
  const r = tpo(args);
  expect(r).toMatchObject({ code: 0, stderr: '' });
  expect(r.stdout.startsWith(usage)).toBe(true);
});

test('tpo --version prints the package version', () => {
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  expect(tpo(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
});

test.each([
  [[], 'tpo: missing command', 'usage: tpo <command>'],
  [['--verbose'], 'tpo: unknown option "--verbose"', 'usage: tpo <command>'],
  [['deploy'], 'tpo: unknown command "deploy"', 'usage: tpo <command>'],
  [['operator', '--metrics-port', '9090'], "tpo operator: Unknown option '--metrics-port'", 'usage: tpo operator'],
  [['collector', '--config', 'c.yaml', '--verbose'], 'tpo collector: unknown option "--verbose"', '  tpo collector --config FILE'],
  [['render', '-f', 'p.yaml', '--output', 'json'], "tpo render: Unknown option '--output'", 'usage: tpo render'],
  [['crd', '--all'], 'tpo crd: takes no arguments, got "--all"', 'usage: tpo crd'],
])('tpo %j is refused with the usage line, exit 2', (args, problem, usage) => {
  const r = tpo(args);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n')[0]).toContain(problem);
  expect(r.stderr).toContain(usage);
});

test.each(['metrics', 'health'] as const)('tpo operator with the --%s-addr port taken: one line naming the flag, exit 1', async (which) => {
  const port = await takenPort();
  const other = `127.0.0.1:0`;
  // Never contacted: the listeners bind before anything talks to the API server.
  const kubeconfig = file('kubeconfig', [
    'apiVersion: v1', 'kind: Config', 'current-context: c',
    'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
    'users: [{name: u, user: {token: t}}]',
    'contexts: [{name: c, context: {cluster: c, user: u}}]', '',
  ].join('\n'));
  const addrs = which === 'metrics' ? [`127.0.0.1:${port}`, other] : [other, `127.0.0.1:${port}`];
  const r = await tpoAsync(['operator', '--kubeconfig', kubeconfig, '--metrics-addr', addrs[0]!, '--health-addr', addrs[1]!]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe(`tpo operator: --${which}-addr: cannot listen on 127.0.0.1:${port}: address already in use\n`);
});

const collectorConfig = (ports: { grpc: string; http: string; health: string; metrics: string }) => `
extensions:
  health_check: {endpoint: "${ports.health}"}
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "${ports.grpc}"}
      http: {endpoint: "${ports.http}"}
exporters:
  debug: {}
service:
  extensions: [health_check]
  telemetry: {metrics: {readers: [{pull: {exporter: {prometheus: {host: "${ports.metrics.split(':')[0]}", port: ${ports.metrics.split(':')[1]}}}}}]}}
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`;

test.each([
  ['grpc', 'receivers.otlp.protocols.grpc.endpoint'],
  ['http', 'receivers.otlp.protocols.http.endpoint'],
  ['health', 'extensions.health_check.endpoint'],
  ['metrics', 'service.telemetry.metrics.readers[0].pull.exporter.prometheus'],
] as const)('tpo collector with the %s port taken: one error line naming %s, no stack, exit 1', async (which, field) => {
  const taken = `127.0.0.1:${await takenPort()}`;
  const ports = { grpc: '127.0.0.1:0', http: '127.0.0.1:0', health: '127.0.0.1:0', metrics: '127.0.0.1:0', [which]: taken };
  const r = await tpoAsync(['collector', '--config', file(`collector-${which}.yaml`, collectorConfig(ports))]);
  expect(r.code).toBe(1);
  // Every line is a JSON log event (no stack trace, no plain-text grpc-js line); one of them is the error.
  const events = r.stderr.trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string });
  expect(events.filter((e) => e.level >= 50).map((e) => e.msg)).toEqual([`collector failed to start: ${field}: cannot listen on ${taken}: address already in use`]);
});
