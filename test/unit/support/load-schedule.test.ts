import { phaseStarts, rateAt, scheduleSeconds, spansDue, spread, unitNoise, type Phase } from '../../support/load-schedule.ts';

const SCHEDULE: Phase[] = [
  { label: 'up', seconds: 10, from: 0, to: 100 },
  { label: 'hold', seconds: 20, from: 100, noise: 0.1 },
  { label: 'down', seconds: 10, from: 100, to: 0 },
];

describe('rate schedule', () => {
  test.each<[number, number | undefined, string | undefined]>([
    [0, 0, 'up'],
    [5, 50, 'up'],
    [25, undefined, 'hold'],
    [35, 50, 'down'],
    [40, undefined, undefined],
    [-1, undefined, undefined],
  ])('at %s s: %s spans/s in %s', (t, rate, label) => {
    const at = rateAt(SCHEDULE, t);
    expect(at?.label).toBe(label);
    if (rate !== undefined) expect(at?.rate).toBeCloseTo(rate);
  });

  test('noise stays within its amplitude, changes per second, and repeats for a seed', () => {
    const rates = Array.from({ length: 20 }, (_, s) => rateAt(SCHEDULE, 10 + s + 0.5, 3)!.rate);
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(90);
    expect(Math.max(...rates)).toBeLessThanOrEqual(110);
    expect(new Set(rates.map((r) => r.toFixed(6))).size).toBeGreaterThan(15);
    expect(rateAt(SCHEDULE, 12.1, 3)!.rate).toBe(rateAt(SCHEDULE, 12.9, 3)!.rate);
    expect(rateAt(SCHEDULE, 12.1, 3)!.rate).not.toBe(rateAt(SCHEDULE, 12.1, 4)!.rate);
    const mean = Array.from({ length: 5000 }, (_, s) => unitNoise(1, s)).reduce((a, b) => a + b, 0) / 5000;
    expect(mean).toBeGreaterThan(0.47);
    expect(mean).toBeLessThan(0.53);
  });

  test('length and phase starts', () => {
    expect(scheduleSeconds(SCHEDULE)).toBe(40);
    expect(phaseStarts(SCHEDULE)).toEqual([0, 10, 30]);
  });

  test('fractions carry over between ticks', () => {
    let owed = 0;
    let total = 0;
    for (let i = 0; i < 10; i++) {
      const due = spansDue(owed, 25, 0.1);
      owed = due.owed;
      total += due.count;
    }
    expect(total).toBe(25);
  });

  test.each<[number, number, number, number[]]>([
    [10, 3, 0, [4, 3, 3]],
    [10, 3, 1, [3, 4, 3]],
    [10, 3, 5, [3, 3, 4]],
    [2, 4, 3, [1, 0, 0, 1]],
    [5, 0, 0, []],
  ])('spread %s over %s from %s', (count, targets, offset, expected) => {
    expect(spread(count, targets, offset)).toEqual(expected);
    expect(spread(count, targets, offset).reduce((a, b) => a + b, 0)).toBe(targets > 0 ? count : 0);
  });
});
