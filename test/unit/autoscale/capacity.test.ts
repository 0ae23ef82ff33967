import { learnCosts, LEARN_DEFAULTS, NO_COSTS, NODE_COLLECTOR_MAX_CORES, recordCosts, usableCores, type CostHistory, type CostSample } from '../../../src/operator/autoscale/capacity.ts';
import type { PodRates } from '../../../src/operator/autoscale/rates.ts';
import { seeded } from '../../../bench/autoscaler/traces.ts';
import { measured } from './fixtures.ts';

const T = 1_000_000;
/** The collector of bench/collector: 2.84 CPU-seconds per million spans, 0.02 cores idle. */
const SPAN_COST = 2.84e-6;
const BASELINE = 0.02;

const sample = (spans: number, extra: Partial<CostSample['items']> = {}, cores?: number): CostSample => {
  const items = { spans, metricPoints: 0, logRecords: 0, ...extra };
  return { at: T, cores: cores ?? BASELINE + SPAN_COST * spans + 0.4e-6 * items.metricPoints + 1.5e-6 * items.logRecords, items };
};
const history = (samples: CostSample[]): CostHistory => ({ samples });
const pod = (name: string, spans: number, extra: Partial<Extract<PodRates, { status: 'measured' }>> = {}): PodRates => ({
  ...measured(name, { spans }),
  cores: BASELINE + SPAN_COST * spans,
  uptimeSeconds: 600,
  ...extra,
});

describe('learnCosts', () => {
  test('spans at several load levels: the cost and the idle baseline', () => {
    const learned = learnCosts(history([1000, 20_000, 60_000, 100_000].map((s) => sample(s))))!;
    expect(learned.cost.spans! * 1e6).toBeCloseTo(2.84, 1);
    expect(learned.baselineCores).toBeCloseTo(BASELINE, 2);
    expect(learned.cost.metricPoints).toBeUndefined();
    expect(learned.cost.logRecords).toBeUndefined();
  });

  test('one load level: the baseline is pulled to 0 and the cost takes it (more replicas, never fewer)', () => {
    const learned = learnCosts(history([50_000, 50_000, 50_000].map((s) => sample(s))))!;
    expect(learned.cost.spans!).toBeGreaterThanOrEqual(SPAN_COST);
    expect(learned.cost.spans! * 1e6).toBeLessThan(2.84 * 1.2);
  });

  test('mixed signals whose mix varies are told apart', () => {
    const learned = learnCosts(
      history([
        sample(40_000, { metricPoints: 10_000 }),
        sample(10_000, { metricPoints: 200_000 }),
        sample(20_000, { logRecords: 30_000 }),
        sample(5_000, { metricPoints: 50_000, logRecords: 80_000 }),
        sample(60_000),
        sample(1_000, { logRecords: 5_000, metricPoints: 1_000 }),
      ]),
    )!;
    expect(learned.cost.spans! * 1e6).toBeCloseTo(2.84, 1);
    expect(learned.cost.metricPoints! * 1e6).toBeCloseTo(0.4, 1);
    expect(learned.cost.logRecords! * 1e6).toBeCloseTo(1.5, 1);
  });

  test('noisy samples (+-10 % CPU): within a few percent over a window of them', () => {
    const random = seeded(7);
    const samples = Array.from({ length: 120 }, (_, i) => {
      const spans = 10_000 + (i % 12) * 8_000;
      const exact = BASELINE + SPAN_COST * spans;
      return sample(spans, {}, exact * (1 + (random() * 2 - 1) * 0.1));
    });
    expect(learnCosts(history(samples))!.cost.spans! / SPAN_COST).toBeCloseTo(1, 1);
  });

  test.each<[string, CostSample[]]>([
    ['no samples', []],
    ['too few samples', [sample(10_000), sample(20_000)]],
    ['idle pods only', [sample(0), sample(0), sample(0)]],
  ])('not learned: %s', (_name, samples) => {
    expect(learnCosts(history(samples))).toBeUndefined();
  });

  test('an item with too small a share of the CPU is not learned (the spec capacity stands in)', () => {
    const learned = learnCosts(history([sample(50_000, { logRecords: 1 }), sample(80_000, { logRecords: 2 }), sample(20_000, { logRecords: 1 })]))!;
    expect(learned.cost.spans).toBeDefined();
    expect(learned.cost.logRecords).toBeUndefined();
  });
});

describe('recordCosts', () => {
  test.each<[string, PodRates, boolean]>([
    ['a warm measured pod', pod('a', 10_000), true],
    ['a pod within its warm-up (start-up and JIT cost)', pod('a', 10_000, { uptimeSeconds: 40 }), false],
    ['a pod whose uptime is not exported', pod('a', 10_000, { uptimeSeconds: undefined }), true],
    ['a restarted pod (counter reset)', pod('a', 10_000, { reset: true }), false],
    ['a pod without the CPU metric', pod('a', 10_000, { cores: undefined }), false],
    ['a pod not measured yet', { pod: 'a', status: 'warming', queueFill: 0 }, false],
  ])('%s', (_name, p, recorded) => {
    expect(recordCosts(NO_COSTS, [p], T).samples).toHaveLength(recorded ? 1 : 0);
  });

  test('samples older than the window and beyond the cap are dropped', () => {
    let h = NO_COSTS;
    for (let i = 0; i < 100; i++) h = recordCosts(h, [pod('a', 1000), pod('b', 2000)], T + i * 15_000);
    expect(h.samples.length).toBe(2 * (LEARN_DEFAULTS.windowSeconds / 15));
    expect(Math.min(...h.samples.map((s) => s.at))).toBeGreaterThan(T + 99 * 15_000 - LEARN_DEFAULTS.windowSeconds * 1000);
    const capped = recordCosts(h, [pod('c', 1)], T + 99 * 15_000, { ...LEARN_DEFAULTS, maxSamples: 10 });
    expect(capped.samples).toHaveLength(10);
  });
});

test.each<[number, boolean, number]>([
  // The Node collector: its limit up to the cores it measurably uses, never more.
  [2, true, NODE_COLLECTOR_MAX_CORES],
  [1.5, true, NODE_COLLECTOR_MAX_CORES],
  [1, true, 1],
  [0.5, true, 0.5],
  // Another image: its whole limit.
  [2, false, 2],
  [1, false, 1],
])('usableCores(limit %p, Node collector %p) = %p', (limit, node, cores) => {
  expect(usableCores(limit, node)).toBe(cores);
});
