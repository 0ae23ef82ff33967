// probabilistic_sampler on SDK-encoded traces and logs: upstream's hash, trace consistency, rates,
// fail-closed handling, telemetry and config errors.
import { jsonToProtobuf, parseRequest } from '../../../src/collector/otlp/index.ts';
import { fnvHash, probabilisticSamplerFactory, scaledRate } from '../../../src/collector/processors/probabilistic-sampler.ts';
import { makeLogs, makeSpans, sdkProtobuf, type SpanSpec } from '../otlp/sdk-fixtures.ts';
import { configErrors, counterValue, itemOf, items, runProcessor } from './harness.ts';

// 500 traces of 4 spans each (a root and three children).
const traceSpecs: SpanSpec[] = Array.from({ length: 2000 }, (_, i) => ({ name: `op-${i}`, child: i % 4 !== 0 }));
const traces = () => parseRequest('traces', sdkProtobuf('traces', makeSpans(undefined, traceSpecs)));

async function sampledTraceIds(config: object, payload = traces()): Promise<{ kept: Map<string, number>; all: Map<string, number> }> {
  const count = (entries: Record<string, any>[]) => {
    const map = new Map<string, number>();
    for (const entry of entries) map.set(itemOf(entry).traceId, (map.get(itemOf(entry).traceId) ?? 0) + 1);
    return map;
  };
  const { outputs } = await runProcessor(probabilisticSamplerFactory, config, 'traces', [payload]);
  return { kept: count(items('traces', outputs)), all: count(items('traces', [payload])) };
}

describe('hash', () => {
  test('FNV-1a 32 of the seed bytes then the data, as upstream computeHash', () => {
    // Published FNV-1a 32 vectors: "" -> 0x811c9dc5, "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968.
    const fnv = (bytes: number[]) => bytes.reduce((hash, byte) => Math.imul(hash ^ byte, 0x01000193) >>> 0, 0x811c9dc5);
    expect(fnv([])).toBe(0x811c9dc5);
    expect(fnv([...Buffer.from('a')])).toBe(0xe40c292c);
    expect(fnv([...Buffer.from('foobar')])).toBe(0xbf9cf968);
    expect(fnvHash(Buffer.from('foobar'), 0)).toBe(fnv([0, 0, 0, 0, ...Buffer.from('foobar')]));
    expect(fnvHash(Buffer.from('foobar'), 0x01020304)).toBe(fnv([4, 3, 2, 1, ...Buffer.from('foobar')]));
  });

  test.each([[0, 0], [100, 16384], [250, 16384], [50, 8192], [15.3, 2506], [0.01, 1], [0.001, 0]])('scaledRate(%p) = %p', (percentage, rate) => {
    expect(scaledRate(percentage)).toBe(rate);
  });
});

describe('traces', () => {
  test('all spans of a trace are kept or dropped together, at about the configured rate', async () => {
    const { kept, all } = await sampledTraceIds({ sampling_percentage: 30, hash_seed: 22 });
    for (const [traceId, spans] of kept) expect(spans).toBe(all.get(traceId));
    expect(kept.size / all.size).toBeGreaterThan(0.22);
    expect(kept.size / all.size).toBeLessThan(0.38);
  });

  test('the decision depends only on trace id and seed', async () => {
    const payload = traces();
    const first = await sampledTraceIds({ sampling_percentage: 50, hash_seed: 7 }, payload);
    const second = await sampledTraceIds({ sampling_percentage: 50, hash_seed: 7 }, payload);
    const otherSeed = await sampledTraceIds({ sampling_percentage: 50, hash_seed: 8 }, payload);
    expect([...second.kept.keys()]).toEqual([...first.kept.keys()]);
    expect([...otherSeed.kept.keys()]).not.toEqual([...first.kept.keys()]);
  });

  test('100 % keeps every span and writes its rv and th:0 into the tracestate; 0 % passes nothing on', async () => {
    const payload = traces();
    const { outputs } = await runProcessor(probabilisticSamplerFactory, { sampling_percentage: 100 }, 'traces', [payload]);
    const states = items('traces', outputs).map((entry) => itemOf(entry).traceState as string);
    expect(states).toHaveLength(payload.items);
    for (const state of states) expect(state).toMatch(/^ot=rv:[0-9a-f]{14};th:0$/);
    expect((await runProcessor(probabilisticSamplerFactory, { sampling_percentage: 0 }, 'traces', [payload])).outputs).toEqual([]);
  });

  test('a kept span carries the threshold of the rate: 25 % is th:c', async () => {
    const { outputs } = await runProcessor(probabilisticSamplerFactory, { sampling_percentage: 25 }, 'traces', [traces()]);
    for (const entry of items('traces', outputs)) expect(itemOf(entry).traceState).toMatch(/^ot=rv:[0-9a-f]{14};th:c$/);
  });

  test('sampling.priority keeps (> 0) or drops (0) a span whatever its hash says', async () => {
    const request = (priority: object) => parseRequest('traces', jsonToProtobuf('traces', { resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 40 }, (_, i) => ({
      traceId: `${i.toString(16).padStart(2, '0')}${'ab'.repeat(15)}`, spanId: '0102030405060708', name: `s${i}`, attributes: [{ key: 'sampling.priority', value: priority }],
    })) }] }] }));
    const kept = async (percentage: number, priority: object) =>
      items('traces', (await runProcessor(probabilisticSamplerFactory, { sampling_percentage: percentage }, 'traces', [request(priority)])).outputs).length;
    expect(await kept(1, { intValue: '1' })).toBe(40);
    expect(await kept(0, { doubleValue: 2.5 })).toBe(40);
    expect(await kept(100, { intValue: '0' })).toBe(0);
    expect(await kept(100, { stringValue: '0' })).toBe(0);
  });

  test('counts sampled and dropped spans as upstream names them', async () => {
    const payload = traces();
    const { outputs, telemetry } = await runProcessor(probabilisticSamplerFactory, { sampling_percentage: 40 }, 'traces', [payload]);
    const labels = (sampled: string) => ({ policy: 'trace_id_hash', sampled });
    const name = 'otelcol_processor_probabilistic_sampler_count_traces_sampled';
    expect(await counterValue(telemetry, name, labels('true'))).toBe(outputs[0]!.items);
    expect(await counterValue(telemetry, name, labels('false'))).toBe(payload.items - outputs[0]!.items);
  });
});

describe('logs', () => {
  // makeLogs: records 0 and 3 carry a trace id, 1 and 2 do not.
  const logs = () => parseRequest('logs', sdkProtobuf('logs', makeLogs()));
  const kept = async (config: object) => {
    const { outputs } = await runProcessor(probabilisticSamplerFactory, config, 'logs', [logs()]);
    return items('logs', outputs).map((entry) => (itemOf(entry).attributes ?? []).map((kv: any) => kv.key).filter((key: string) => !key.startsWith('sampling.')).join(','));
  };

  test('a kept record carries sampling.randomness and sampling.threshold', async () => {
    const { outputs } = await runProcessor(probabilisticSamplerFactory, { sampling_percentage: 100 }, 'logs', [logs()]);
    for (const entry of items('logs', outputs)) {
      const attrs = Object.fromEntries((itemOf(entry).attributes ?? []).map((kv: any) => [kv.key, kv.value.stringValue]));
      expect(attrs['sampling.randomness']).toMatch(/^[0-9a-f]{14}$/);
      expect(attrs['sampling.threshold']).toBe('0');
    }
  });

  test('records without a trace id fail closed by default, open on request', async () => {
    expect(await kept({ sampling_percentage: 100 })).toEqual(['order.id,amount', 'count']);
    expect(await kept({ sampling_percentage: 100, fail_closed: false })).toHaveLength(4);
  });

  test('from_attribute is hashed when there is no trace id', async () => {
    expect(await kept({ sampling_percentage: 100, from_attribute: 'order.id' })).toEqual(['order.id,amount', 'order.id,retry', 'count']);
    expect(await kept({ sampling_percentage: 100, attribute_source: 'record', from_attribute: 'order.id' })).toEqual(['order.id,amount', 'order.id,retry']);
  });

  test('a log record with a trace id is kept exactly when the spans of that trace are', async () => {
    const payload = traces();
    const { kept, all } = await sampledTraceIds({ sampling_percentage: 50, hash_seed: 3 }, payload);
    const records = jsonToProtobuf('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [...all.keys()].map((traceId) => ({ traceId, body: { stringValue: 'x' } })) }] }] });
    const { outputs } = await runProcessor(probabilisticSamplerFactory, { sampling_percentage: 50, hash_seed: 3 }, 'logs', [parseRequest('logs', records)]);
    expect(items('logs', outputs).map((entry) => itemOf(entry).traceId)).toEqual([...kept.keys()]);
  });
});

describe('config', () => {
  test.each<[string, unknown, string]>([
    ['negative percentage', { sampling_percentage: -1 }, 'sampling_percentage: sampling rate is negative: -1%'],
    ['too small a percentage', { sampling_percentage: 1e-20 }, 'sampling_percentage: sampling rate is too small: 1e-20%'],
    ['unknown mode', { sampling_percentage: 10, mode: 'random' }, 'mode: unsupported sampler mode "random"'],
    ['zero precision', { sampling_percentage: 10, sampling_precision: 0 }, 'sampling_precision: invalid sampling precision: 0'],
    ['precision above 14', { sampling_percentage: 10, sampling_precision: 15 }, 'sampling_precision: sampling precision is too great, should be <= 14: 15'],
    ['unknown field', { sampling_percentage: 10, sample_rate: 3 }, 'Unrecognized key: "sample_rate"'],
  ])('%s', (_name, config, message) => {
    expect(configErrors(probabilisticSamplerFactory, config).join('\n')).toContain(message);
  });

  test('defaults as upstream', () => {
    expect(probabilisticSamplerFactory.configSchema.parse({})).toEqual({
      sampling_percentage: 0, hash_seed: 0, mode: '', fail_closed: true, sampling_precision: 4, attribute_source: 'traceID', from_attribute: '', sampling_priority: '',
    });
  });
});
