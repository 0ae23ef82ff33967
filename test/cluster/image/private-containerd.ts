// A throwaway containerd (no CRI plugin) on a private socket, with its root, state and opt paths in one temporary
// directory: proves `importImage` without the real node. Nothing outside that directory is touched, since only
// images are imported (running containers would start shims under /run/containerd).
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { unmountUnder } from './mounts.ts';

/** containerd 1.6 config (version 2) keeping every path it writes under `dir` (pure). */
export function privateContainerdConfig(dir: string): string {
  return [
    'version = 2',
    `root = ${JSON.stringify(join(dir, 'root'))}`,
    `state = ${JSON.stringify(join(dir, 'state'))}`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = ${JSON.stringify(join(dir, 'containerd.sock'))}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(join(dir, 'containerd.sock.ttrpc'))}`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${JSON.stringify(join(dir, 'opt'))}`,
    '',
  ].join('\n');
}

/** Runs `fn` with the address of a fresh containerd, then stops it and removes everything it wrote. */
export async function withPrivateContainerd<T>(fn: (address: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tpo-containerd-'));
  const address = join(dir, 'containerd.sock');
  await writeFile(join(dir, 'config.toml'), privateContainerdConfig(dir));
  const child = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    const deadline = Date.now() + 20_000;
    while (!existsSync(address)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`containerd did not start:\n${output}`);
      await sleep(100);
    }
    return await fn(address);
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
    await exited;
    await unmountUnder(dir, '/dev/null');
    await rm(dir, { recursive: true, force: true });
  }
}

/** Names of the images in the k8s.io namespace of the containerd at `address`. */
export async function containerdImages(address: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ctr', ['--address', address, '--namespace', 'k8s.io', 'images', 'ls', '--quiet']);
  return stdout.split('\n').filter(Boolean);
}
