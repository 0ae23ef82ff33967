import { EMPTY_HISTORY, historyFrom, HPA_SCALE_UP, normalize, type History } from '../../../src/operator/autoscale/behavior.ts';

const NOW = 10_000_000;
const BEHAVIOR = { minReplicas: 2, maxReplicas: 50, scaleDownStabilizationSeconds: 300, ...HPA_SCALE_UP };
const history = (recs: [number, number][], events: [number, number, number][] = []): History => ({
  observedSince: -Infinity,
  recommendations: recs.map(([ago, replicas]) => ({ at: NOW - ago * 1000, replicas })),
  scaleEvents: events.map(([ago, from, to]) => ({ at: NOW - ago * 1000, from, to })),
});

describe('normalize (HPA default behaviour)', () => {
  test.each<[string, number | undefined, number, History, number, string | null]>([
    ['scale up is immediate', 9, 6, EMPTY_HISTORY, 9, null],
    ['+100% beats +4 from 10', 30, 10, EMPTY_HISTORY, 20, 'scaleUpLimit'],
    ['+4 beats +100% from 2', 30, 2, EMPTY_HISTORY, 6, 'scaleUpLimit'],
    ['ups earlier in the period count', 30, 10, history([], [[10, 5, 10]]), 10, 'scaleUpLimit'],
    ['a down earlier in the period raises the base', 30, 6, history([], [[10, 12, 6]]), 24, 'scaleUpLimit'],
    ['events exactly one period old no longer count', 30, 10, history([], [[15, 5, 10]]), 20, 'scaleUpLimit'],
    ['scale down to the highest recommendation of the window', 4, 10, history([[100, 7], [200, 5]]), 7, 'stabilization'],
    ['recommendations older than the window are ignored', 4, 10, history([[300, 9], [301, 8]]), 4, null],
    ['stabilization never raises above the current count', 4, 10, history([[100, 20]]), 10, 'stabilization'],
    ['nothing measured keeps the current count', undefined, 7, history([[10, 3]]), 7, null],
    ['nothing measured is still clamped', undefined, 60, EMPTY_HISTORY, 50, 'maxReplicas'],
    ['minReplicas', 1, 3, EMPTY_HISTORY, 2, 'minReplicas'],
    ['a new leader holds a scale-down until it has observed a whole window', 4, 10, historyFrom(NOW - 299_000), 10, 'observing'],
    ['... and does not even go down to what it saw in the part it observed', 4, 10, { ...history([[100, 7]]), observedSince: NOW - 200_000 }, 10, 'observing'],
    ['... then scales down as usual', 4, 10, historyFrom(NOW - 300_000), 4, null],
    ['... and scales up at once meanwhile', 12, 10, historyFrom(NOW), 12, null],
    ['... and still obeys minReplicas', 1, 1, historyFrom(NOW), 2, 'minReplicas'],
  ])('%s', (_name, recommendation, current, past, desired, limitedBy) => {
    const result = normalize(recommendation, current, NOW, past, BEHAVIOR);
    expect(result.desired).toBe(desired);
    expect(result.limitedBy).toBe(limitedBy);
  });

  test('records the raw recommendation and the scale event', () => {
    const result = normalize(30, 10, NOW, history([[400, 1], [10, 12]], [[20, 1, 2]]), BEHAVIOR);
    expect(result.history).toEqual({
      observedSince: -Infinity,
      recommendations: [{ at: NOW - 10_000, replicas: 12 }, { at: NOW, replicas: 30 }],
      scaleEvents: [{ at: NOW, from: 10, to: 20 }],
    });
  });
});
