// probabilistic_sampler: upstream's (v0.161.0) and ours keep the same spans and log records, write the same
// tracestates and sampling attributes, and count the same decisions, in every mode.
import type { Signal } from '../../src/collector/component.ts';
import { startDifferential, type Differential } from './support/differential.ts';
import { REQUESTS } from './support/inputs.ts';

const TRACESTATES = ['', 'ot=th:8', 'ot=rv:abcdef01234567', 'ot=th:c;rv:fedcba98765432', 'vendor=x,ot=th:4', 'ot=th:zz', 'a=1,ot=rv:00000000000001;th:0;x:y', 'ot=th:f'];
const PRIORITIES = [undefined, { intValue: '1' }, { intValue: '0' }, { doubleValue: 0.0 }, { stringValue: '5' }, { stringValue: 'x' }, { intValue: '-1' }];

/** Spans whose tracestates and sampling.priority attributes cover the sampler's paths. */
function samplingSpans(count = 64): object {
  const spans = Array.from({ length: count }, (_, i) => {
    const priority = PRIORITIES[Math.floor(i / 8) % PRIORITIES.length];
    return {
      traceId: i % 16 === 15 ? '' : `${(i * 53 % 256).toString(16).padStart(2, '0')}${'5a'.repeat(7)}${(i * 29 % 256).toString(16).padStart(2, '0')}${'c3'.repeat(7)}`,
      spanId: `${(i + 1).toString(16).padStart(16, '0')}`, name: `span-${i}`, traceState: TRACESTATES[i % TRACESTATES.length],
      attributes: priority ? [{ key: 'sampling.priority', value: priority }] : [],
    };
  });
  return { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans }] }] };
}

const LOG_ATTRIBUTES = [
  [], [{ key: 'order.id', value: { stringValue: 'o-1' } }], [{ key: 'order.id', value: { intValue: '77' } }],
  [{ key: 'sampling.threshold', value: { stringValue: '8' } }], [{ key: 'sampling.randomness', value: { stringValue: 'abcdef01234567' } }],
  [{ key: 'prio', value: { doubleValue: 50 } }], [{ key: 'prio', value: { intValue: '100' } }], [{ key: 'sampling.threshold', value: { stringValue: 'xyz' } }],
];

/** Log records with and without trace ids, with from_attribute values, sampling attributes and priorities. */
function samplingLogs(count = 64): object {
  const logRecords = Array.from({ length: count }, (_, i) => ({
    ...(i % 3 === 0 ? {} : { traceId: `${(i * 53 % 256).toString(16).padStart(2, '0')}${'5a'.repeat(7)}${(i * 29 % 256).toString(16).padStart(2, '0')}${'c3'.repeat(7)}` }),
    body: { stringValue: `log-${i}` }, attributes: [...LOG_ATTRIBUTES[i % LOG_ATTRIBUTES.length]!, { key: 'order.id', value: { stringValue: `order-${i}` } }].slice(0, i % 5 === 0 ? 1 : 3),
  }));
  return { resourceLogs: [{ scopeLogs: [{ logRecords }] }] };
}

const INPUTS: Record<'traces' | 'logs', () => object[]> = {
  traces: () => [samplingSpans(), REQUESTS.traces(30)],
  logs: () => [samplingLogs(), REQUESTS.logs(30)],
};

const CASES: [string, Record<string, unknown>, ('traces' | 'logs')[]][] = [
  ['default hash_seed mode, 25 %', { sampling_percentage: 25 }, ['traces', 'logs']],
  ['a seed, 60 %', { sampling_percentage: 60, hash_seed: 22 }, ['traces', 'logs']],
  ['fail open', { sampling_percentage: 40, fail_closed: false }, ['traces', 'logs']],
  ['100 %', { sampling_percentage: 100 }, ['traces', 'logs']],
  ['0 %: only priorities keep', { sampling_percentage: 0, sampling_priority: 'prio' }, ['traces', 'logs']],
  ['logs hashed by a record attribute', { sampling_percentage: 50, attribute_source: 'record', from_attribute: 'order.id' }, ['logs']],
  ['logs: from_attribute where there is no trace id, priorities', { sampling_percentage: 30, from_attribute: 'order.id', sampling_priority: 'prio' }, ['logs']],
  ['equalizing 30 %', { mode: 'equalizing', sampling_percentage: 30 }, ['traces', 'logs']],
  ['equalizing 1 %, precision 2', { mode: 'equalizing', sampling_percentage: 1, sampling_precision: 2 }, ['traces', 'logs']],
  ['proportional 50 %', { mode: 'proportional', sampling_percentage: 50 }, ['traces', 'logs']],
  ['proportional 33.3 %, fail open, precision 6', { mode: 'proportional', sampling_percentage: 33.3, fail_closed: false, sampling_precision: 6 }, ['traces', 'logs']],
];

describe.each(CASES)('probabilistic_sampler: %s', (_name, config, signals) => {
  let pair: Differential;
  beforeAll(async () => {
    pair = await startDifferential({ processors: { probabilistic_sampler: config }, pipelines: Object.fromEntries(signals.map((s) => [s, ['probabilistic_sampler']])) });
  });
  afterAll(() => pair?.stop());

  test.each(signals)('%s: the same items kept, with the same sampling values', async (signal) => {
    for (const request of INPUTS[signal]()) {
      const { ours, upstream } = await pair.send(signal as Signal, request);
      expect(ours).toEqual(upstream);
    }
  });

  test('the same decisions counted, by policy', async () => {
    const counted = (text: string) => text.split('\n').filter((line) => line.startsWith('otelcol_processor_probabilistic_sampler_count')).sort();
    const { ours, upstream } = await pair.metrics();
    expect(counted(ours)).toEqual(counted(upstream));
    expect(counted(upstream).length).toBeGreaterThan(0);
  });
});
