// Replays the load traces through the throughput autoscaler (decide()) and through a CPU HPA
// model, with a simulated clock, and writes bench/results/autoscaler.json.
//   npm run bench:autoscaler
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuHpaController, DEFAULT_CPU_MODEL } from './cpu-hpa-model.ts';
import { simulate, type Controller, type SimConfig } from './fleet-sim.ts';
import { checkTargets, resultsTable, type ModelResult, type TraceResult } from './report.ts';
import { score } from './score.ts';
import { throughputController } from './throughput-model.ts';
import { traces } from './traces.ts';

const CONFIG: SimConfig = {
  capacityPerReplica: 10_000,
  targetUtilization: 0.7,
  minReplicas: 3,
  maxReplicas: 30,
  periodSeconds: 15,
  startupSeconds: 10,
  warmupSeconds: 120,
};

// The product as specified (300 s scale-down window), the CPU HPA it is compared with, and, for
// information only, the product with a shorter window (what spec.scaling.scaleDownStabilizationSeconds trades).
const MODELS: { name: string; make: () => Controller & { reasons?: string[] } }[] = [
  { name: 'throughput', make: () => throughputController(CONFIG, 300) },
  { name: 'cpu-hpa', make: () => cpuHpaController(CONFIG) },
  { name: 'throughput-60s', make: () => throughputController(CONFIG, 60) },
];

const results: TraceResult[] = traces().map((trace) => ({
  trace: trace.name,
  durationSeconds: trace.durationSeconds,
  models: Object.fromEntries(
    MODELS.map(({ name, make }): [string, ModelResult] => {
      const controller = make();
      const timeline = simulate(trace, controller, CONFIG);
      return [name, { ...score(trace, timeline, CONFIG), events: timeline.events, reasons: controller.reasons ?? [] }];
    }),
  ),
}));

const targets = checkTargets(results, CONFIG.periodSeconds);
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'autoscaler.json');
mkdirSync(dirname(out), { recursive: true });
const report = { when: new Date().toISOString(), config: CONFIG, cpuModel: DEFAULT_CPU_MODEL, results, targets };
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(resultsTable(results));
console.log();
for (const target of targets) console.log(`${target.met ? 'MET   ' : 'MISSED'} ${target.name}: ${target.detail}`);
console.log(`\nwrote ${out}`);
