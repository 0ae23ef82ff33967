// Collector benchmark: drives OTLP/gRPC load at our collector (and, when OTELCOL_BIN names
// one, at another collector binary with the same config) and writes bench/results/collector.json.
//   npm run bench:collector
// Environment: COLLECTOR_CMD (argv for "ours", default the compiled build: ours.ts), OTELCOL_BIN,
// BENCH_TARGETS (ours,theirs), BENCH_SCENARIOS (a,b,c), BENCH_WARMUP_S (3), BENCH_MEASURE_S (10),
// BENCH_CONCURRENCY (32 requests in flight), BENCH_CHANNELS (4 connections),
// BENCH_CPU_PROF (a folder: profile our collector with node --cpu-prof),
// BENCH_CLIENT (auto: grpc-js, or bare HTTP/2 with pre-gzipped messages for gzip), BENCH_RSS_RATE (100000),
// BENCH_LATENCY_RATE (0: the latency phase runs at half of each collector's own saturation; a rate runs both at it).
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finishRun, numEnv } from './bench-run.ts';
import { measureScenario } from './measure.ts';
import type { BenchOptions } from './measure.ts';
import { otelcolCacheDir } from './otelcol-pins.ts';
import { ourCollectorCommand } from './ours.ts';
import { figuresTable, ratios, ratiosTable } from './report.ts';
import type { ResultRow } from './report.ts';
import { SCENARIOS } from './scenarios.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = process.env;
const num = (name: string, dflt: number): number => numEnv(name, dflt, env);

const clientEnv = env['BENCH_CLIENT'] ?? 'auto';
if (clientEnv !== 'auto' && clientEnv !== 'grpc-js' && clientEnv !== 'http2') throw new Error(`BENCH_CLIENT: expected auto, grpc-js or http2, got ${clientEnv}`);
const options: BenchOptions = {
  warmupMs: num('BENCH_WARMUP_S', 3) * 1000,
  measureMs: num('BENCH_MEASURE_S', 10) * 1000,
  concurrency: num('BENCH_CONCURRENCY', 32),
  channels: num('BENCH_CHANNELS', 4),
  client: clientEnv,
  rssRate: num('BENCH_RSS_RATE', 100_000),
  latencyRate: num('BENCH_LATENCY_RATE', 0),
  maxRequestsPerPhase: 500_000,
};

// BENCH_CPU_PROF=DIR profiles our collector (node --cpu-prof); the profile is written when it exits.
const profDir = env['BENCH_CPU_PROF'];
const nodeFlags = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
const ours = await ourCollectorCommand(root, nodeFlags);
const targets = [{ name: 'ours', command: ours }];
if (env['OTELCOL_BIN']) targets.push({ name: 'theirs', command: [env['OTELCOL_BIN']] });
const wanted = (env['BENCH_TARGETS'] ?? 'ours,theirs').split(',');
const scenarioIds = (env['BENCH_SCENARIOS'] ?? 'a,b,c').split(',');
const scenarios = SCENARIOS.filter((s) => scenarioIds.includes(s.id));
if (scenarios.length === 0) throw new Error(`BENCH_SCENARIOS: none of ${scenarioIds.join(',')} is a scenario (a, b, c)`);

const buildTimeFile = join(otelcolCacheDir(), 'build-time.json');
const results: ResultRow[] = [];
const failures: Array<{ target: string; scenario: string; error: string }> = [];
const startedAt = new Date().toISOString();
const loadBefore = loadavg();
for (const s of scenarios) {
  for (const t of targets.filter((x) => wanted.includes(x.name))) {
    console.error(`scenario ${s.id} (${s.title}) on ${t.name}: ${t.command.join(' ')}`);
    try {
      const r = await measureScenario(t, s, options);
      console.error(JSON.stringify(r));
      results.push(r);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      console.error(`scenario ${s.id} on ${t.name} failed: ${error}`);
      failures.push({ target: t.name, scenario: s.id, error });
    }
  }
}

const out = {
  startedAt,
  machine: { cpus: cpus().length, loadavgBefore: loadBefore, loadavgAfter: loadavg(), node: process.version },
  options,
  targets,
  upstreamBuild: existsSync(buildTimeFile) ? JSON.parse(readFileSync(buildTimeFile, 'utf8')) : null,
  results,
  failures,
  ratios: ratios(results),
};
const tables = results.length ? [figuresTable(results)] : [];
if (out.ratios.length) tables.push(`ours/theirs\n${ratiosTable(out.ratios)}`);
finishRun(root, 'collector', out, tables, failures.map((f) => `scenario ${f.scenario} on ${f.target}: ${f.error}`));
