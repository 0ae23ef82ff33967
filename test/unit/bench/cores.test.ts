import { parseKeyValues, vmRssBytes, type CgroupSample } from '../../../bench/cores/cgroup.ts';
import { cpuQuantity, planRuns, summarise, windowFigures, type PointResult } from '../../../bench/cores/points.ts';

const sample = (at: number, cpuSeconds: number, periods: number, throttledPeriods: number, throttledSeconds: number, rssMiB: number, mainThreadSeconds = cpuSeconds): CgroupSample => ({
  at, cpuSeconds, periods, throttledPeriods, throttledSeconds, rssBytes: rssMiB * 2 ** 20, mainThreadSeconds,
});

test('planRuns interleaves the collectors at each size and reverses every other round', () => {
  const label = (r: { collector: string; cpu: number; round: number }) => `${r.round}:${r.collector}@${r.cpu}`;
  expect(planRuns([1, 2], 2).map(label)).toEqual([
    '1:node@1', '1:upstream@1', '1:node@2', '1:upstream@2',
    '2:upstream@2', '2:node@2', '2:upstream@1', '2:node@1',
  ]);
});

test.each([
  [1, '1'],
  [1.5, '1500m'],
  [2, '2'],
  [0.25, '250m'],
])('cpuQuantity(%p) = %p', (cores, quantity) => {
  expect(cpuQuantity(cores)).toBe(quantity);
});

test('windowFigures: spans per CPU-second, per requested core and per GiB, throttling and RSS', () => {
  const begin = sample(100, 50, 1000, 10, 1, 100, 40);
  const end = sample(120, 80, 1200, 110, 4, 200, 64);
  const f = windowFigures({ collector: 'node', cpu: 2 }, 1, begin, end, { accepted: 1_200_000, refused: 0 }, [150 * 2 ** 20, 250 * 2 ** 20]);
  expect(f).toEqual({
    seconds: 20,
    acceptedPerSec: 60_000,
    refusedSpans: 0,
    cores: 1.5,
    // 24 of the 30 CPU-seconds on the main thread: with it fully busy the process would use 1.25 cores.
    mainThreadShare: 0.8,
    coresAtFullMainThread: 1.25,
    spansPerCpuSecond: 40_000,
    spansPerSecPerRequestedCore: 30_000,
    spansPerSecPerGiB: 60_000,
    throttledShare: 0.5,
    throttledPerSec: 0.15,
    rssMiB: { mean: 200, max: 250 },
  });
});

test('summarise: runs side by side and ratios to the 1-core configuration', () => {
  const point = (cpu: number, acceptedPerSec: number): PointResult => ({
    collector: 'node', cpu, round: 1, load: 'saturation', loadavg: [2, 2, 2],
    figures: windowFigures({ collector: 'node', cpu }, 1, sample(0, 0, 0, 0, 0, 100), sample(10, cpu * 10, 100, 0, 0, 100), { accepted: acceptedPerSec * 10, refused: 0 }, []),
  });
  const [one, two] = summarise([point(1, 50_000), point(1, 50_000), point(2, 60_000), point(2, 60_000)]);
  expect(one).toMatchObject({ cpu: 1, acceptedPerSec: [50_000, 50_000], vsOneCore: { acceptedPerSec: 1, perRequestedCore: 1 } });
  expect(two).toMatchObject({ cpu: 2, spansPerSecPerRequestedCore: [30_000, 30_000], vsOneCore: { acceptedPerSec: 1.2, perRequestedCore: 0.6 } });
});

test('cgroup v1 files: cpu.stat lines and VmRSS', () => {
  expect(parseKeyValues('nr_periods 12\nnr_throttled 3\nthrottled_time 4500000\n')).toEqual({ nr_periods: 12, nr_throttled: 3, throttled_time: 4_500_000 });
  expect(vmRssBytes('Name:\tnode\nVmHWM:\t  300 kB\nVmRSS:\t  2048 kB\n')).toBe(2048 * 1024);
});
