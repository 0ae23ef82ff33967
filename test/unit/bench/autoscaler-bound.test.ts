import { capacityOf, simulate, type SimConfig } from '../../../bench/autoscaler/fleet-sim.ts';
import { checkTargets, STANDING_PEAK, type ModelResult, type TraceResult } from '../../../bench/autoscaler/report.ts';
import { score } from '../../../bench/autoscaler/score.ts';
import { peakLoad, standingPeakController, standingReplicas } from '../../../bench/autoscaler/standing-peak.ts';
import type { Trace } from '../../../bench/autoscaler/traces.ts';

const cfg: SimConfig = {
  spanCost: 1e-5, baselineCores: 0, limitCores: 1, requestCores: 0.5, cpuNoise: 0, targetUtilization: 0.7,
  minReplicas: 2, maxReplicas: 10, periodSeconds: 15, startupSeconds: 10, warmupSeconds: 120,
};
const capacity = capacityOf(cfg); // 100,000 spans/s

test.each([
  ['below the minimum', 50_000, 2],
  ['exactly four replicas', 4 * capacity, 4],
  ['just above four', 4 * capacity + 1, 5],
  // The traces scale load by capacity / 10,000, so a peak is a product that a division need not undo exactly.
  ['a scaled peak of three replicas', 30_000 * (capacity / 10_000), 3],
  ['beyond the maximum', 50 * capacity, 10],
])('standingReplicas: %s', (_name, peak, replicas) => {
  expect(standingReplicas(peak, cfg)).toBe(replicas);
});

const spike: Trace = { name: 'spike', durationSeconds: 600, load: (t) => (t >= 300 && t < 330 ? 450_000 : 50_000), stepUps: [300] };

test('the standing fleet is never under capacity on an unannounced spike', () => {
  expect(peakLoad(spike)).toBe(450_000);
  const figures = score(spike, simulate(spike, standingPeakController(spike, cfg), cfg), cfg);
  expect(figures.secondsUnderCapacity).toBe(0);
  // 5 replicas against an ideal of 2 outside the spike (570 s), and of ceil(4.5 / 0.7) = 7 > 5 during it.
  expect(figures.replicaSecondsOverIdeal).toBe(3 * 570);
});

test('a missed under-capacity target names what the standing fleet would cost', () => {
  const result = (over: number, under: number): ModelResult => ({
    steps: [], longestUnderCapacitySeconds: under, secondsUnderCapacity: under, refusedSpans: 0, replicaSeconds: 0,
    idealReplicaSeconds: 0, replicaSecondsOverIdeal: over, scaleEvents: 0, events: [], reasons: [],
  });
  const run: TraceResult = {
    trace: 'spike', durationSeconds: 600,
    models: { learned: result(100, 30), guide: result(5000, 0), 'cpu-hpa': result(900, 40), [STANDING_PEAK]: result(1710, 0) },
  };
  const targets = checkTargets([run], 15);
  const missed = targets.find((t) => t.name === 'spike: no more seconds under capacity than guide');
  expect(missed?.met).toBe(false);
  expect(missed?.detail).toBe('30 s vs 0 s; the cheapest fleet never under capacity (standing-peak, knowing the peak) over-provisions 1710 replica-s (0 s under) against guide 5000, cpu-hpa 900');
  expect(targets.find((t) => t.name === 'spike: no more seconds under capacity than cpu-hpa')?.detail).toBe('30 s vs 40 s');
});
