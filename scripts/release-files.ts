// The release files, as `npm run release` writes them into release/ (git-ignored):
//   telemetry-pipeline-operator-<version>.tgz         the npm package (`npm pack`: the compiled dist/ only)
//   charts/telemetry-pipeline-operator-<version>.tgz  the Helm chart archive (`helm package`)
// The install tests use these functions, so what they install is what a release holds.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHART_DIR } from './install-manifest.ts';

const exec = promisify(execFile);

/** `npm pack` of the repository (its prepack script compiles dist/) into `outDir`; the tarball's path. */
export async function packNpm(repoRoot: string, outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  if (!packed) throw new Error(`npm pack printed no package: ${stdout}`);
  return join(outDir, packed.filename);
}

/** `helm package` of the chart into `outDir` with `helm` (a pinned binary); the archive's path. */
export async function packageChart(helm: string, repoRoot: string, outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const { stdout } = await exec(helm, ['package', CHART_DIR, '--destination', outDir], { cwd: repoRoot });
  // "Successfully packaged chart and saved it to: <path>"
  const path = /saved it to: (.+\.tgz)\s*$/m.exec(stdout)?.[1];
  if (!path) throw new Error(`helm package: no archive named in ${JSON.stringify(stdout)}`);
  return path;
}
