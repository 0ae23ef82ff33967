// Builds the upstream collector used as the benchmark's reference (and in the upstream collector image of
// test/cluster/image) with the OpenTelemetry Collector Builder. Idempotent: a stamp of the manifest next to the
// binary means "already built from exactly this manifest".
//   node bench/collector/build-otelcol.ts            (OTELCOL_BUILD_JOBS: packages compiled at once, default every core)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { withLock } from '../../test/cluster/lock.ts';
import { run } from '../../test/cluster/run.ts';
import { goBuildEnv, goBuildJobs } from './go-env.ts';
import {
  BUILDER_MODULE, COMPONENTS, OTELCOL_BINARY_NAME, OTELCOL_VERSION, otelcolBinaryPath, otelcolCacheDir,
} from './otelcol-pins.ts';

export function renderManifest(outputPath: string): string {
  const section = (name: string, mods: readonly string[]): string =>
    `${name}:\n${mods.map((m) => `  - gomod: ${m} v${OTELCOL_VERSION}\n`).join('')}`;
  return [
    'dist:',
    `  name: ${OTELCOL_BINARY_NAME}`,
    '  description: Upstream OpenTelemetry Collector, reference for the tpo benchmark',
    `  output_path: ${outputPath}`,
    `  version: ${OTELCOL_VERSION}`,
    section('receivers', COMPONENTS.receivers),
    section('processors', COMPONENTS.processors),
    section('exporters', COMPONENTS.exporters),
    section('extensions', COMPONENTS.extensions),
  ].join('\n');
}

export type OtelcolBuild = { binary: string; built: boolean; seconds: number };

/**
 * Builds the pinned collector unless the binary was built from exactly this manifest. A lock next to the cache
 * directory keeps two processes (a benchmark, the image harness) from building into the same folder at once.
 * `onBuildStart` hears about a build before it starts (minutes with cold Go caches).
 */
export async function ensureOtelcolBinary(onBuildStart: (logFile: string) => void = () => {}): Promise<OtelcolBuild> {
  const dir = otelcolCacheDir();
  mkdirSync(dirname(dir), { recursive: true });
  return withLock(`${dir}.lock`, 60 * 60_000, async () => {
    const dist = join(dir, 'dist');
    const binary = otelcolBinaryPath();
    const manifest = renderManifest(dist);
    const stamp = createHash('sha256').update(manifest).digest('hex');
    const stampFile = join(dir, 'manifest.sha256');
    if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
      return { binary, built: false, seconds: 0 };
    }
    mkdirSync(dir, { recursive: true });
    const manifestFile = join(dir, 'builder-config.yaml');
    writeFileSync(manifestFile, manifest);
    const logFile = join(dir, 'build.log');
    writeFileSync(logFile, '');
    onBuildStart(logFile);
    const jobs = goBuildJobs();
    const env = goBuildEnv(dir);
    const started = Date.now();
    const builder = join(dir, 'bin', 'builder');
    if (!existsSync(builder)) await run('go', ['install', BUILDER_MODULE], { cwd: dir, env, logFile });
    await run(builder, [`--config=${manifestFile}`], { cwd: dir, env, logFile });
    const seconds = Math.round((Date.now() - started) / 1000);
    writeFileSync(stampFile, stamp);
    writeFileSync(join(dir, 'build-time.json'), JSON.stringify({ version: OTELCOL_VERSION, jobs, seconds }) + '\n');
    return { binary, built: true, seconds };
  });
}

if (import.meta.main) {
  ensureOtelcolBinary().then(({ binary, built, seconds }) => {
    console.log(built ? `built ${binary} in ${seconds}s (jobs=${goBuildJobs()})` : `up to date: ${binary}`);
  }).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
