import { EMPTY_HISTORY, historyFrom } from '../../../src/operator/autoscale/behavior.ts';
import { decide, type Decision, type DecisionInput } from '../../../src/operator/autoscale/decision.ts';
import type { PodRates } from '../../../src/operator/autoscale/rates.ts';
import { fleet, measured, missing, SPEC, warming } from './fixtures.ts';

const NOW = 1_000_000_000;
const run = (current: number, pods: PodRates[], extra: Partial<DecisionInput> = {}): Decision =>
  decide({ pods, spec: SPEC, currentReplicas: current, history: EMPTY_HISTORY, now: NOW, ...extra });

describe('decide: one evaluation', () => {
  test.each<[string, number, PodRates[], number, string | null]>([
    // name, current, pods, desired, limitedBy
    ['step up within the rate limit', 3, fleet(3, { spans: 40_000 }), 6, null],
    ['step up beyond +100%/+4 is limited', 3, fleet(3, { spans: 100_000 }), 7, 'scaleUpLimit'],
    ['ratio exactly 1.1 is within tolerance', 8, fleet(8, { spans: 61_600 }), 8, 'tolerance'],
    ['ratio just above 1.1 scales', 8, fleet(8, { spans: 61_700 }), 9, null],
    ['ratio 0.91 is within tolerance', 8, fleet(8, { spans: 50_960 }), 8, 'tolerance'],
    ['noise -9% holds', 8, fleet(8, { spans: 56_000 * 0.91 }), 8, 'tolerance'],
    ['noise +9% holds', 8, fleet(8, { spans: 56_000 * 1.09 }), 8, 'tolerance'],
    ['no history: scale down at once, to minReplicas', 8, fleet(8, { spans: 7_000 }), 3, 'minReplicas'],
    ['float noise: 21,000 spans/s is exactly 3 replicas', 5, fleet(5, { spans: 21_000 }), 3, null],
    ['metric points drive the fleet', 3, fleet(3, { spans: 100, metricPoints: 500_000 }), 7, 'scaleUpLimit'],
    ['log records drive the fleet', 4, fleet(4, { logRecords: 175_000 }), 5, null],
    ['maxReplicas caps', 28, fleet(28, { spans: 1_000_000 }), 30, 'maxReplicas'],
    ['below minReplicas is raised', 1, fleet(1, { spans: 0 }), 3, 'minReplicas'],
    ['above maxReplicas is lowered', 40, fleet(40, { spans: 280_000 }), 30, 'maxReplicas'],
    ['an idle fleet goes to minReplicas', 5, fleet(5), 3, 'minReplicas'],
  ])('%s', (_name, current, pods, desired, limitedBy) => {
    const decision = run(current, pods);
    expect(decision.desiredReplicas).toBe(desired);
    expect(decision.limitedBy).toBe(limitedBy);
  });

  test('the reason carries the figures', () => {
    expect(run(3, fleet(3, { spans: 52_300 })).reason).toBe(
      'scaled 3 -> 7: 52,300 spans/s, capacity 10,000 x 0.7 per replica; recommended 8, limited by the scale-up rate (+100% or +4 per 15s)',
    );
    expect(run(3, fleet(3, { spans: 40_000 })).reason).toBe('scaled 3 -> 6: 40,000 spans/s, capacity 10,000 x 0.7 per replica');
    expect(run(8, fleet(8, { spans: 58_000 })).reason).toBe(
      'holding 8: 58,000 spans/s, capacity 10,000 x 0.7 per replica, within the 10% tolerance',
    );
  });

  test('rates are the accepted sums, usage ratio is against the current fleet', () => {
    const decision = run(4, fleet(4, { spans: 14_000, metricPoints: 56_000, logRecords: 7 }));
    expect(decision.rates).toEqual({ spansPerSecond: 14_000, metricPointsPerSecond: 56_000, logRecordsPerSecond: 7 });
    expect(decision.usageRatio).toBeCloseTo(0.5);
    expect(decision.pods).toEqual({ measured: 4, warming: 0, missing: 0 });
  });
});

describe('decide: pods that could not be measured', () => {
  test('a missing pod never causes a scale-down: counted at target it puts the fleet at 100%', () => {
    // 3 measured pods carry 21,000 spans/s: alone that is 75% of 4 replicas, a scale-down to 3.
    const decision = run(4, [...fleet(3, { spans: 21_000 }), missing('pod-x')]);
    expect(decision.desiredReplicas).toBe(4);
    expect(decision.limitedBy).toBe('tolerance');
    expect(decision.reason).toContain('1 of 4 pods not measured (0 starting, 1 unreachable)');
  });

  test('a scale-down still happens when even a loaded missing pod would leave the fleet idle', () => {
    const decision = run(10, [...fleet(9, { spans: 9_000 }), missing('pod-x')], {
      spec: { ...SPEC, minReplicas: 1 },
    });
    // 9,000 + 7,000 (the missing pod at target) = 16,000 -> 3 replicas.
    expect(decision.desiredReplicas).toBe(3);
  });

  test('a missing pod counts as idle for a scale-up', () => {
    const decision = run(4, [...fleet(3, { spans: 40_000 }), missing('pod-x')]);
    expect(decision.desiredReplicas).toBe(6);
  });

  test('first-scrape (warming) pods are handled like missing ones', () => {
    expect(run(4, [...fleet(3, { spans: 21_000 }), warming('pod-new')]).desiredReplicas).toBe(4);
    expect(run(4, [...fleet(3, { spans: 40_000 }), warming('pod-new')]).desiredReplicas).toBe(6);
  });

  test('with no pod measured the fleet holds and nothing is recorded', () => {
    const decision = run(5, [missing('a'), warming('b')]);
    expect(decision.desiredReplicas).toBe(5);
    expect(decision.limitedBy).toBe('noMeasurements');
    expect(decision.recommendation).toBeUndefined();
    expect(decision.newHistory.recommendations).toEqual([]);
    expect(decision.reason).toBe('holding 5: no pod could be measured yet (1 starting, 1 unreachable)');
  });

  test('with no pods at all the fleet is still clamped', () => {
    expect(run(1, []).desiredReplicas).toBe(3);
  });
});

describe('decide: saturation and backend failure', () => {
  test('refusals scale up by the demand (accepted + refused)', () => {
    // 3 pods at their real capacity accept 30,000 and refuse 20,000: demand 50,000 -> 8, limited to 7.
    const decision = run(3, fleet(3, { spans: 30_000, refusedSpans: 20_000 }));
    expect(decision.recommendation).toBe(8);
    expect(decision.desiredReplicas).toBe(7);
    expect(decision.reason).toContain('saturated, 20,000 spans/s refused (40% of offered)');
  });

  test('refusals scale up even when the rate looks low: at least one more replica', () => {
    const decision = run(5, fleet(5, { spans: 5_000, refusedSpans: 100 }));
    expect(decision.desiredReplicas).toBe(6);
  });

  test('refusals scale by the refused share of the current fleet', () => {
    // 6 replicas took 20,000 of 30,000 offered: 6 x 1.5 = 9 replicas, more than the rate's 5.
    const decision = run(6, fleet(6, { spans: 20_000, refusedSpans: 10_000 }));
    expect(decision.desiredReplicas).toBe(9);
  });

  test('refusals while new pods start: the starting pods count, no extra replicas', () => {
    // 14 replicas asked for, 7 ready and refusing 18,000 of 81,000 spans/s: 12 carry that at target.
    const decision = run(14, fleet(7, { spans: 63_000, refusedSpans: 18_000 }));
    expect(decision.recommendation).toBe(14);
    expect(decision.desiredReplicas).toBe(14);
  });

  test('refusals from a fleet with pods still starting scale by the measured pods\' share', () => {
    // 7 asked for, 3 measured took 30,000 of 80,000 (4 new ones just ready): the demand needs 12.
    const pods = [...fleet(3, { spans: 30_000, refusedSpans: 50_000 }), ...['a', 'b', 'c', 'd'].map((n) => warming(n))];
    expect(run(7, pods).desiredReplicas).toBe(12);
  });

  test('an exporter queue above 80% scales up by one', () => {
    const decision = run(4, fleet(4, { spans: 10_000, queueFill: 0.85 }));
    expect(decision.desiredReplicas).toBe(5);
    expect(decision.reason).toContain('fullest exporter queue 85%');
  });

  test('a queue at 80% is not saturated', () => {
    expect(run(4, fleet(4, { spans: 28_000, queueFill: 0.8 })).desiredReplicas).toBe(4);
  });

  test('a failing backend holds, even with refusals and a high rate', () => {
    const decision = run(4, fleet(4, { spans: 80_000, refusedSpans: 5_000, sendFailed: 1_200, queueFill: 0.6 }));
    expect(decision.desiredReplicas).toBe(4);
    expect(decision.limitedBy).toBe('backendFailing');
    expect(decision.reason).toBe(
      'holding 4: exporters are failing (1,200 items/s failed to send, fullest queue 60%); more replicas would not help the backend',
    );
  });

  test('a stalled backend (nothing sent, queue filling) holds too', () => {
    const decision = run(4, fleet(4, { spans: 50_000, sent: 0, queueFill: 0.9 }));
    expect(decision.desiredReplicas).toBe(4);
    expect(decision.limitedBy).toBe('backendFailing');
  });

  test('a failing backend holds a scale-down too: the queued data stays where it is', () => {
    const decision = run(8, fleet(8, { spans: 1_000, sendFailed: 10, queueFill: 0.7 }));
    expect(decision.desiredReplicas).toBe(8);
  });

  test('send failures with empty queues do not hold (permanent errors): the rate decides', () => {
    expect(run(3, fleet(3, { spans: 40_000, sendFailed: 50, queueFill: 0.1 })).desiredReplicas).toBe(6);
  });
});

describe('decide: over time', () => {
  const PERIOD = 15_000;
  /** Runs successive evaluations, applying each decision as the next current count. */
  function series(start: number, loads: number[], period = PERIOD, spec = SPEC): number[] {
    let current = start;
    let history = EMPTY_HISTORY;
    return loads.map((spans, i) => {
      const decision = decide({ pods: fleet(current, { spans }), spec, currentReplicas: current, history, now: NOW + i * period });
      history = decision.newHistory;
      current = decision.desiredReplicas;
      return current;
    });
  }

  test('a step up reaches its size within two periods, a step down waits out the window', () => {
    const loads = [...Array(4).fill(14_000), ...Array(4).fill(98_000), ...Array(30).fill(14_000)];
    const replicas = series(3, loads);
    expect(replicas.slice(0, 4)).toEqual([3, 3, 3, 3]);
    expect(replicas.slice(4, 8)).toEqual([7, 14, 14, 14]);
    // Load drops at index 8; recommendations of 14 stay in the 300 s window until index 7 + 20.
    expect(replicas.slice(8, 27)).toEqual(Array(19).fill(14));
    expect(replicas[27]).toBe(3);
  });

  test('flapping input does not flap the fleet', () => {
    const loads = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 56_000 : 28_000));
    const replicas = series(8, loads);
    expect(new Set(replicas)).toEqual(new Set([8]));
  });

  test('noise within tolerance causes no scale event', () => {
    // Deterministic noise of up to +-9% around 8 replicas' worth.
    const loads = Array.from({ length: 60 }, (_, i) => 56_000 * (1 + 0.09 * Math.sin(i * 2.3)));
    expect(new Set(series(8, loads))).toEqual(new Set([8]));
  });

  test('scale-up events within one period count against the +100%/+4 limit', () => {
    // Evaluated every 5 s: from 3 the fleet may reach 7 within 15 s, then 14.
    const replicas = series(3, Array(7).fill(140_000), 5_000);
    expect(replicas).toEqual([7, 7, 7, 14, 14, 14, 20]);
  });

  test('the history keeps only what the windows need', () => {
    const decision = decide({
      pods: fleet(8, { spans: 56_000 }),
      spec: SPEC,
      currentReplicas: 8,
      now: NOW,
      history: {
        observedSince: -Infinity,
        recommendations: [
          { at: NOW - 300_000, replicas: 20 },
          { at: NOW - 299_000, replicas: 9 },
        ],
        scaleEvents: [
          { at: NOW - 15_000, from: 4, to: 8 },
          { at: NOW - 14_000, from: 8, to: 8 },
        ],
      },
    });
    expect(decision.newHistory.recommendations).toEqual([
      { at: NOW - 299_000, replicas: 9 },
      { at: NOW, replicas: 8 },
    ]);
    expect(decision.newHistory.scaleEvents).toEqual([{ at: NOW - 14_000, from: 8, to: 8 }]);
  });
});

describe('decide: capacity learned from CPU', () => {
  // The collector of bench/collector: 2.84 CPU-seconds per million spans, 0.02 cores idle, 1 core per replica.
  const cpu = (cost: Partial<Record<'spans' | 'metricPoints' | 'logRecords', number>>) => ({
    cores: 1,
    learned: { baselineCores: 0.02, cost: { spans: undefined, metricPoints: undefined, logRecords: undefined, ...cost }, samples: 30 },
  });

  test('replicas from the CPU the load takes over what a replica may use at target', () => {
    const decision = run(10, fleet(10, { spans: 1_500_000 }), { cpu: cpu({ spans: 2.84e-6 }) });
    // 1,500,000 x 2.84e-6 = 4.26 cores; a replica may use 1 x 0.7 - 0.02 = 0.68: 6.3 -> 7.
    expect(decision.desiredReplicas).toBe(7);
    expect(decision.reason).toBe('scaled 10 -> 7: 1,500,000 spans/s, capacity learned: 345,070 spans/s per replica at 1 CPU, x 0.7');
    expect(decision.capacity.spansPerSecond).toBeCloseTo(345_070, 0);
  });

  test.each<[string, Parameters<typeof fleet>[1], number, number]>([
    // name, load, desired with fixed guide capacity, desired learned
    ['spans only', { spans: 280_000 }, 30, 3],
    // Mixed: the fixed capacity takes the most loaded item, the learned one adds up the CPU of the mix.
    ['spans and log records, both learned', { spans: 600_000, logRecords: 300_000 }, 30, 4],
    // Metric points not learned: they cost what the guide's 100,000 points/s per replica implies.
    ['spans and metric points, points not learned', { spans: 300_000, metricPoints: 35_000 }, 30, 3],
  ])('%s', (_name, load, fixed, learned) => {
    const pods = fleet(20, load);
    expect(run(20, pods).desiredReplicas).toBe(fixed);
    expect(run(20, pods, { cpu: cpu({ spans: 2.84e-6, logRecords: 1.5e-6 }) }).desiredReplicas).toBe(learned);
  });
});

describe('decide: learning the capacity', () => {
  test.each<[string, PodRates[], number, number]>([
    ['the guide would scale to 30: held', fleet(3, { spans: 300_000 }), 3, 3],
    ['the guide would scale down: held', fleet(8, { spans: 1_000 }), 8, 8],
    ['refusals still scale up', fleet(3, { spans: 30_000, refusedSpans: 10_000 }), 3, 4],
  ])('%s', (_name, pods, current, desired) => {
    expect(run(current, pods, { cpu: 'learning' }).desiredReplicas).toBe(desired);
  });

  test('the reason says so', () => {
    expect(run(3, fleet(3, { spans: 300_000 }), { cpu: 'learning' }).reason).toBe(
      "holding 3: 300,000 spans/s; learning the capacity from the collectors' CPU time (no cost learned yet), so only saturation scales",
    );
  });
});

describe('decide: a new leader', () => {
  test('holds a scale-down until it has watched the fleet for a whole stabilization window, and says why', () => {
    const decision = decide({ pods: fleet(10, { spans: 14_000 }), spec: SPEC, currentReplicas: 10, history: historyFrom(NOW - 42_000), now: NOW });
    expect(decision.desiredReplicas).toBe(10);
    expect(decision.limitedBy).toBe('observing');
    expect(decision.reason).toBe(
      'holding 10: 14,000 spans/s, capacity 10,000 x 0.7 per replica; recommended 2, held: the 300s stabilization window has not been observed in full yet (42s since this operator began watching the fleet)',
    );
    expect(decision.newHistory.observedSince).toBe(NOW - 42_000);
  });
});

describe('decide: a restarted pod', () => {
  test('a pod whose counters reset is measured from its new values, no spurious change', () => {
    const pods = [...fleet(3, { spans: 42_000 }), { ...measured('pod-r', { spans: 14_000 }), reset: true }];
    expect(run(6, pods).desiredReplicas).toBe(8);
  });
});
