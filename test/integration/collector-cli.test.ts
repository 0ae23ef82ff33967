// `tpo collector validate` and `tpo collector` as a user runs them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'tpo-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tpo(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['src/cli.ts', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const good = `
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: \${env:BIND_HOST:-127.0.0.1}:\${env:GRPC_PORT}
exporters:
  debug:
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}
`;

test('validate: a valid config prints "config is valid" and exits 0', () => {
  expect(tpo(['collector', 'validate', '--config', file('good.yaml', good)], { GRPC_PORT: '4317' })).toEqual({ code: 0, stdout: 'config is valid\n', stderr: '' });
});

test('validate: every error is printed with its path, exit 1', () => {
  const bad = file('bad.yaml', `${good}\nprocessors:\n  batch:\n    send_batch_size: lots\n    timeout: soon\n`);
  const result = tpo(['collector', 'validate', '--config', bad], { GRPC_PORT: 'x' });
  expect(result.code).toBe(1);
  expect(result.stderr.trim().split('\n')).toEqual([
    'error: receivers.otlp.protocols.grpc.endpoint: invalid endpoint "127.0.0.1:x" has an invalid port "x"',
    'error: processors.batch.send_batch_size: expected number, received string',
    'error: processors.batch.timeout: invalid duration "soon" (expected e.g. "200ms", "5s", "1m30s")',
  ]);
});

test('running with an invalid config exits 1 without starting', () => {
  const result = tpo(['collector', '--config', file('bad2.yaml', 'receivers: {otlp: {protocols: {}}}\n')]);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('error: receivers.otlp.protocols: must specify at least one protocol');
});

test('a missing file and bad arguments are reported', () => {
  expect(tpo(['collector', 'validate', '--config', join(dir, 'nope.yaml')])).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot read config file') });
  expect(tpo(['collector', '--confg', 'x'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option "--confg"') });
  expect(tpo(['nonsense'])).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: tpo <') });
});
