// Fixed-rate (open-loop) collector benchmark: telemetrygen (Go, pinned) offers each point's rate to our
// collector and to the upstream one with the same config, in one run; writes bench/results/collector-fixed-rate.json.
//   npm run bench:collector:fixed-rate
// Environment: BENCH_POINTS (ids, default all: plain-20k,plain-50k,plain-100k,gzip-50k,attributes-50k,batch1000-50k),
// BENCH_TARGETS (ours,theirs), BENCH_REPEAT (1), BENCH_IDLE_S (5), BENCH_WARMUP_S (5), BENCH_MEASURE_S (20),
// BENCH_PROBE_RPS (25 requests of 100 spans per second), BENCH_TG_PER_PROCESS (25000 spans/s),
// BENCH_TG_PER_WORKER (100 spans/s), BENCH_KEEP_WORK (keep each point's folder with its config and collector
// log; a failed point's is always kept), COLLECTOR_CMD (argv of ours; default the compiled build, ours.ts),
// OTELCOL_BIN (default: the pinned upstream build, built when missing), BENCH_VARIANTS (more collectors to run
// beside them, `name=argv;name2=argv2`, e.g. ours with other flags: their rows are named as given).
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finishRun, numEnv } from './bench-run.ts';
import { ensureOtelcolBinary } from './build-otelcol.ts';
import { selectPoints } from './fixed-rate-points.ts';
import { fixedFiguresTable, fixedRatios, fixedRatiosTable } from './fixed-rate-report.ts';
import { measureFixedRate } from './measure-fixed.ts';
import type { FixedRateOptions, FixedRateResult } from './measure-fixed.ts';
import { ourCollectorCommand } from './ours.ts';
import { ensureTelemetrygenBinary, TELEMETRYGEN_VERSION } from './telemetrygen.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = process.env;
const num = (name: string, dflt: number): number => numEnv(name, dflt, env);

const points = selectPoints(env['BENCH_POINTS']);
const wanted = (env['BENCH_TARGETS'] ?? 'ours,theirs').split(',');
const repeats = num('BENCH_REPEAT', 1);
const telemetrygen = await ensureTelemetrygenBinary((log) => console.error(`building telemetrygen v${TELEMETRYGEN_VERSION} (log: ${log})`));
const targets: Array<{ name: string; command: string[] }> = [];
if (wanted.includes('ours')) targets.push({ name: 'ours', command: await ourCollectorCommand(root) });
if (wanted.includes('theirs')) {
  const bin = env['OTELCOL_BIN'] ?? (await ensureOtelcolBinary((log) => console.error(`building the upstream collector (log: ${log})`))).binary;
  targets.push({ name: 'theirs', command: [bin] });
}
for (const variant of (env['BENCH_VARIANTS'] ?? '').split(';').filter((v) => v.trim())) {
  const eq = variant.indexOf('=');
  if (eq <= 0) throw new Error(`BENCH_VARIANTS: expected name=argv, got ${JSON.stringify(variant)}`);
  targets.push({ name: variant.slice(0, eq).trim(), command: variant.slice(eq + 1).trim().split(/\s+/) });
}
const options: FixedRateOptions = {
  idleMs: num('BENCH_IDLE_S', 5) * 1000,
  warmupMs: num('BENCH_WARMUP_S', 5) * 1000,
  measureMs: num('BENCH_MEASURE_S', 20) * 1000,
  probeRequestsPerSec: num('BENCH_PROBE_RPS', 25),
  telemetrygen,
  perProcess: num('BENCH_TG_PER_PROCESS', 25_000),
  perWorker: num('BENCH_TG_PER_WORKER', 100),
  keepWorkDir: Boolean(env['BENCH_KEEP_WORK']),
};

const results: Array<FixedRateResult & { repeat: number; loadavg: number[] }> = [];
const failures: Array<{ target: string; point: string; repeat: number; error: string }> = [];
const startedAt = new Date().toISOString();
const loadBefore = loadavg();
let turn = 0;
for (let repeat = 1; repeat <= repeats; repeat++) {
  for (const p of points) {
    // Rotate which collector goes first, so a drift in the machine's load does not favour one.
    const first = turn++ % targets.length;
    const order = [...targets.slice(first), ...targets.slice(0, first)];
    for (const t of order) {
      console.error(`${p.id} (${p.title}) on ${t.name}, run ${repeat}`);
      try {
        const r = await measureFixedRate(t, p, options);
        results.push({ ...r, repeat, loadavg: loadavg().map((x) => Number(x.toFixed(2))) });
        console.error(JSON.stringify(r));
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        console.error(`${p.id} on ${t.name} failed: ${error}`);
        failures.push({ target: t.name, point: p.id, repeat, error });
      }
    }
  }
}

const out = {
  regime: 'fixed rate (open loop): telemetrygen offers each point\'s rate whatever the collector answers',
  startedAt,
  machine: { cpus: cpus().length, loadavgBefore: loadBefore, loadavgAfter: loadavg(), node: process.version },
  telemetrygen: { version: TELEMETRYGEN_VERSION, binary: telemetrygen },
  options,
  targets,
  results,
  failures,
  ratios: fixedRatios(results),
};
const tables = results.length ? [fixedFiguresTable(results)] : [];
if (out.ratios.length) tables.push(`ours/theirs\n${fixedRatiosTable(out.ratios)}`);
finishRun(root, 'collector-fixed-rate', out, tables, failures.map((f) => `${f.point} on ${f.target} (run ${f.repeat}): ${f.error}`));
