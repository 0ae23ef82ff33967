import { perItem, type PerItem } from '../../../src/operator/autoscale/items.ts';
import { computeRates, EMPTY_RATE_STATE, type PodRates, type PodScrape, type RateState } from '../../../src/operator/autoscale/rates.ts';
import type { PodSnapshot } from '../../../src/operator/autoscale/snapshot.ts';

const T0 = 1_700_000_000_000;
const spans = (n: number): PerItem<number> => ({ ...perItem(() => 0), spans: n });

function snap(accepted: number, extra: Partial<PodSnapshot> = {}): PodSnapshot {
  const zero = perItem(() => 0);
  return { accepted: spans(accepted), receiverRefused: zero, processorRefused: zero, sent: spans(accepted), sendFailed: zero, queues: [], ...extra };
}

const ok = (pod: string, atSeconds: number, snapshot: PodSnapshot): PodScrape => ({ pod, at: T0 + atSeconds * 1000, result: { ok: true, snapshot } });
const failed = (pod: string, atSeconds: number): PodScrape => ({ pod, at: T0 + atSeconds * 1000, result: { ok: false, error: 'timeout after 5000 ms' } });

/** Feeds rounds of scrapes through computeRates and returns the pods of each round. */
function rounds(...scrapes: PodScrape[][]): PodRates[][] {
  let state: RateState = EMPTY_RATE_STATE;
  return scrapes.map((round) => {
    const out = computeRates(state, round);
    state = out.state;
    return out.pods;
  });
}

const spanRate = (pod: PodRates | undefined) => (pod?.status === 'measured' ? pod.accepted.spans : pod?.status);

describe('computeRates', () => {
  test.each<[string, PodScrape[][], (number | string | undefined)[]]>([
    ['first scrape has no rate yet', [[ok('a', 0, snap(100))]], ['warming']],
    ['steady counter', [[ok('a', 0, snap(100))], [ok('a', 15, snap(1600))]], ['warming', 100]],
    ['counter went down: the new value is the increase', [[ok('a', 0, snap(5000))], [ok('a', 15, snap(300))]], ['warming', 20]],
    [
      'process restarted (uptime below the interval), counter already above its old value: still a reset',
      [[ok('a', 0, snap(100, { uptimeSeconds: 500 }))], [ok('a', 15, snap(1000, { uptimeSeconds: 10 }))]],
      ['warming', 100],
    ],
    [
      'uptime shorter than 1 s divides by 1 s',
      [[ok('a', 0, snap(100, { uptimeSeconds: 500 }))], [ok('a', 15, snap(40, { uptimeSeconds: 0.2 }))]],
      ['warming', 40],
    ],
    [
      'uptime grows with the interval: no reset',
      [[ok('a', 0, snap(100, { uptimeSeconds: 2 }))], [ok('a', 15, snap(400, { uptimeSeconds: 17 }))]],
      ['warming', 20],
    ],
    [
      'a failed scrape is missing; the next good one averages over the gap',
      [[ok('a', 0, snap(0))], [failed('a', 15)], [ok('a', 30, snap(3000))]],
      ['warming', 'missing', 100],
    ],
    [
      'a pod that disappears and comes back under the same name starts over',
      [[ok('a', 0, snap(0))], [], [ok('a', 30, snap(3000))]],
      ['warming', undefined, 'warming'],
    ],
    ['a repeated scrape time yields no rate', [[ok('a', 0, snap(0))], [ok('a', 0, snap(10))], [ok('a', 10, snap(100))]], ['warming', 'warming', 10]],
  ])('%s', (_name, input, expected) => {
    expect(rounds(...input).map((pods) => spanRate(pods[0]))).toEqual(expected);
  });

  test('refused is the larger of the memory_limiter and receiver counts, per item', () => {
    const before = snap(0);
    const after = snap(1500, { processorRefused: spans(150), receiverRefused: { spans: 75, metricPoints: 30, logRecords: 0 } });
    const pod = rounds([ok('a', 0, before)], [ok('a', 15, after)])[1]?.[0];
    expect(pod).toMatchObject({ status: 'measured', refused: { spans: 10, metricPoints: 2, logRecords: 0 }, reset: false, intervalSeconds: 15 });
  });

  test('queue fill is the fullest queue, known on the first scrape already', () => {
    const queues = [
      { labels: 'exporter="a"', size: 10, capacity: 100 },
      { labels: 'exporter="b"', size: 90, capacity: 100 },
    ];
    const [first, second] = rounds([ok('a', 0, snap(0, { queues }))], [ok('a', 15, snap(15, { queues }))]).map((pods) => pods[0]);
    expect(first).toEqual({ pod: 'a', status: 'warming', queueFill: 0.9 });
    expect(second).toMatchObject({ status: 'measured', queueFill: 0.9 });
  });

  test('a pod whose process started after the previous scrape counts at once, over the fleet interval', () => {
    const first = computeRates(EMPTY_RATE_STATE, [ok('a', 0, snap(0)), ok('old', 0, snap(0))]);
    const second = computeRates(first.state, [
      ok('a', 15, snap(1500)),
      ok('new', 15, snap(1200, { uptimeSeconds: 5 })),
      ok('moved', 15, snap(9000, { uptimeSeconds: 600 })),
      ok('no-uptime', 15, snap(500)),
    ]);
    expect(second.pods.map(spanRate)).toEqual([100, 80, 'warming', 'warming']);
    expect(second.pods[1]).toMatchObject({ status: 'measured', reset: false, intervalSeconds: 15 });
    const third = computeRates(second.state, [ok('new', 30, snap(2700, { uptimeSeconds: 20 }))]);
    expect(third.pods.map(spanRate)).toEqual([100]);
  });

  test('on the very first evaluation every pod is warming, whatever its uptime', () => {
    expect(computeRates(EMPTY_RATE_STATE, [ok('a', 0, snap(50, { uptimeSeconds: 1 }))]).pods.map(spanRate)).toEqual(['warming']);
  });

  test('a reset is flagged', () => {
    const pod = rounds([ok('a', 0, snap(5000))], [ok('a', 15, snap(300))])[1]?.[0];
    expect(pod).toMatchObject({ status: 'measured', reset: true });
  });

  test('pods are independent and the state keeps only listed pods', () => {
    const first = computeRates(EMPTY_RATE_STATE, [ok('a', 0, snap(0)), ok('b', 0, snap(0))]);
    const second = computeRates(first.state, [ok('a', 15, snap(150)), failed('b', 15), ok('c', 15, snap(9))]);
    expect(second.pods.map(spanRate)).toEqual([10, 'missing', 'warming']);
    expect([...second.state.last.keys()]).toEqual(['a', 'b', 'c']);
    const third = computeRates(second.state, [ok('c', 30, snap(39))]);
    expect(third.pods.map(spanRate)).toEqual([2]);
    expect([...third.state.last.keys()]).toEqual(['c']);
  });
});

describe('computeRates: CPU', () => {
  test.each<[string, PodSnapshot, PodSnapshot, number | undefined]>([
    ['cores over the interval', snap(0, { cpuSeconds: 10, uptimeSeconds: 500 }), snap(150, { cpuSeconds: 13, uptimeSeconds: 515 }), 0.2],
    ['no CPU metric', snap(0, { uptimeSeconds: 500 }), snap(150, { uptimeSeconds: 515 }), undefined],
    ['a restarted process has no CPU figure for the interval', snap(0, { cpuSeconds: 10, uptimeSeconds: 500 }), snap(150, { cpuSeconds: 1, uptimeSeconds: 5 }), undefined],
  ])('%s', (_name, before, after, cores) => {
    const pod = rounds([ok('a', 0, before)], [ok('a', 15, after)])[1]?.[0];
    expect(pod?.status === 'measured' ? pod.cores : 'not measured').toEqual(cores === undefined ? undefined : expect.closeTo(cores, 6));
    expect(pod?.status === 'measured' ? pod.uptimeSeconds : undefined).toBe(after.uptimeSeconds);
  });
});
