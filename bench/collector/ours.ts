// The command that runs "ours" in the benchmarks: COLLECTOR_CMD when set, else the compiled JavaScript the npm
// package and the image run (dist/cli.js), built from the working tree into a private folder
// (bench/results/build, git-ignored) so a concurrent `npm run build` cannot pull dist/ from under a run, with the
// V8 start-up flags the operator gives collector pods and the image's allocator: jemalloc from this machine's
// libjemalloc2 (installed with apt when missing, as the cluster harness installs its packages) with the image's
// settings (src/collector/gc-tuning.ts).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { ALLOCATOR_ENV, JEMALLOC, STARTUP_FLAGS } from '../../src/collector/gc-tuning.ts';
import { ensureDebianPackages } from '../../test/cluster/packages.ts';

/** Where Debian's libjemalloc2 puts the library on this machine's architecture. */
const HOST_JEMALLOC = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/libjemalloc.so.2`;

export async function ourCollectorCommand(root: string, nodeFlags: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const custom = env['COLLECTOR_CMD']?.trim();
  if (custom) return custom.split(/\s+/);
  const build = join(root, 'bench', 'results', 'build');
  rmSync(build, { recursive: true, force: true });
  mkdirSync(build, { recursive: true });
  // cli.js reads ../package.json (its version and engines) and is ESM by the package's "type".
  copyFileSync(join(root, 'package.json'), join(build, 'package.json'));
  const tsc = spawnSync(join(root, 'node_modules', '.bin', 'tsc'),
    ['-p', join(root, 'tsconfig.build.json'), '--outDir', join(build, 'dist'), '--declaration', 'false', '--sourceMap', 'false'],
    { cwd: root, encoding: 'utf8' });
  const cli = join(build, 'dist', 'cli.js');
  // Type errors elsewhere in a shared working tree do not stop tsc from emitting; a missing cli.js does.
  if (!existsSync(cli)) throw new Error(`tsc emitted no ${cli}:\n${tsc.stdout}${tsc.stderr}`);
  if (tsc.status !== 0) console.error(`tsc reported errors (the build is used anyway):\n${tsc.stdout.split('\n').slice(0, 5).join('\n')}`);
  await ensureDebianPackages([JEMALLOC.package], pino({ name: 'bench', level: 'info' }));
  if (!existsSync(HOST_JEMALLOC)) throw new Error(`${JEMALLOC.package} is installed but ${HOST_JEMALLOC} is missing`);
  // Through env(1), so the command stays one argv that every bench spawns as is, with the image's allocator.
  const allocator = Object.entries({ ...ALLOCATOR_ENV, LD_PRELOAD: HOST_JEMALLOC }).map(([name, value]) => `${name}=${value}`);
  return ['/usr/bin/env', ...allocator, process.execPath, ...STARTUP_FLAGS, ...nodeFlags, cli, 'collector'];
}
