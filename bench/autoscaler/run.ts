// Replays the load traces through the throughput autoscaler (decide()), with capacity learned from
// CPU (the default) and with the guide's fixed 10,000 spans/s per replica, and through a CPU HPA
// model, with a simulated clock, and writes bench/results/autoscaler.json.
//   npm run bench:autoscaler
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuHpaController, DEFAULT_CPU_MODEL } from './cpu-hpa-model.ts';
import { capacityOf, simulate, type Controller, type SimConfig } from './fleet-sim.ts';
import { checkTargets, resultsTable, STANDING_PEAK, type ModelResult, type TraceResult } from './report.ts';
import { score } from './score.ts';
import { standingPeakController } from './standing-peak.ts';
import { throughputController } from './throughput-model.ts';
import { traces, type Trace } from './traces.ts';

const CONFIG: SimConfig = {
  // bench/collector (this collector, memory_limiter + batch over OTLP/gRPC, results/collector.json): 2.84
  // CPU-seconds per million spans; an idle collector takes about 0.02 cores.
  spanCost: 2.84e-6,
  baselineCores: 0.02,
  // The spec's default resources (requests 500m, limits 2), of which the Node collector uses one core.
  limitCores: 1,
  requestCores: 0.5,
  cpuNoise: 0.1,
  targetUtilization: 0.7,
  minReplicas: 3,
  maxReplicas: 30,
  periodSeconds: 15,
  startupSeconds: 10,
  warmupSeconds: 120,
};

// The product as specified (learned capacity, 300 s scale-down window), the same with the guide's fixed capacity,
// the CPU HPA (averageUtilization 70 % of the pods' request), and, for information only: an HPA on pods whose
// request equals their limit (Guaranteed QoS), the product with a shorter window, and the cheapest fleet that is
// never under capacity (standing-peak.ts), a bound that knows the trace's peak.
const MODELS: { name: string; make: (trace: Trace) => Controller & { reasons?: string[] } }[] = [
  { name: 'learned', make: () => throughputController(CONFIG, 300, 'learned') },
  { name: 'guide', make: () => throughputController(CONFIG, 300, 'guide') },
  { name: 'cpu-hpa', make: () => cpuHpaController(CONFIG) },
  { name: 'cpu-hpa-guaranteed', make: () => cpuHpaController(CONFIG, DEFAULT_CPU_MODEL, CONFIG.limitCores) },
  { name: 'learned-60s', make: () => throughputController(CONFIG, 60, 'learned') },
  { name: STANDING_PEAK, make: (trace) => standingPeakController(trace, CONFIG) },
];

// The traces are drawn for replicas of 10,000 spans/s; scaled, the real capacity goes through the same replica counts.
const results: TraceResult[] = traces(capacityOf(CONFIG) / 10_000).map((trace) => ({
  trace: trace.name,
  durationSeconds: trace.durationSeconds,
  models: Object.fromEntries(
    MODELS.map(({ name, make }): [string, ModelResult] => {
      const controller = make(trace);
      const timeline = simulate(trace, controller, CONFIG);
      return [name, { ...score(trace, timeline, CONFIG), events: timeline.events, reasons: controller.reasons ?? [] }];
    }),
  ),
}));

const targets = checkTargets(results, CONFIG.periodSeconds);
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'autoscaler.json');
mkdirSync(dirname(out), { recursive: true });
const report = { when: new Date().toISOString(), config: CONFIG, capacityPerReplica: Math.round(capacityOf(CONFIG)), cpuModel: DEFAULT_CPU_MODEL, results, targets };
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(resultsTable(results));
console.log();
for (const target of targets) console.log(`${target.met ? 'MET   ' : 'MISSED'} ${target.name}: ${target.detail}`);
console.log(`\nwrote ${out}`);
