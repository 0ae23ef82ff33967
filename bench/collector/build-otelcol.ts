// Builds the upstream collector used as the benchmark's reference with the
// OpenTelemetry Collector Builder. Idempotent: a stamp of the manifest next to the
// binary means "already built from exactly this manifest".
//   node bench/collector/build-otelcol.ts            (OTELCOL_BUILD_JOBS=1 by default:
//   the machine's two cores are shared, so compile one package at a time)
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  ].join('\n');
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  const log = openSync(logFile, 'a');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', log, log] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}; see ${logFile}`))));
  });
}

async function main(): Promise<void> {
  const dir = otelcolCacheDir();
  const dist = join(dir, 'dist');
  const binary = otelcolBinaryPath();
  const manifest = renderManifest(dist);
  const stamp = createHash('sha256').update(manifest).digest('hex');
  const stampFile = join(dir, 'manifest.sha256');
  if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    console.log(`up to date: ${binary}`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  const manifestFile = join(dir, 'builder-config.yaml');
  writeFileSync(manifestFile, manifest);
  const logFile = join(dir, 'build.log');
  writeFileSync(logFile, '');
  const jobs = process.env['OTELCOL_BUILD_JOBS'] ?? '1';
  const env = {
    ...process.env,
    GOBIN: join(dir, 'bin'),
    GOFLAGS: `-buildvcs=false -p=${jobs}`,
    GOMAXPROCS: process.env['GOMAXPROCS'] ?? jobs,
    GOTOOLCHAIN: 'local',
  };
  const started = Date.now();
  const builder = join(dir, 'bin', 'builder');
  if (!existsSync(builder)) await run('go', ['install', BUILDER_MODULE], env, logFile);
  await run(builder, [`--config=${manifestFile}`], env, logFile);
  const seconds = Math.round((Date.now() - started) / 1000);
  writeFileSync(stampFile, stamp);
  writeFileSync(join(dir, 'build-time.json'), JSON.stringify({ version: OTELCOL_VERSION, jobs, seconds }) + '\n');
  console.log(`built ${binary} in ${seconds}s (jobs=${jobs})`);
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
