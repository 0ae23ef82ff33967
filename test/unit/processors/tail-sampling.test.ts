// The tail_sampling processor on a fake clock: traces wait decision_wait, then go on whole or not at all; late
// spans follow the decision (held trace or decision cache); num_traces bounds memory and an evicted trace counts
// as dropped too early; shutdown decides what is pending; config errors name their paths.
import { pino } from 'pino';
import type { Payload } from '../../../src/collector/component.ts';
import { splitByTrace } from '../../../src/collector/otlp/by-trace.ts';
import { TailSampler, tailSamplingProcessorFactory } from '../../../src/collector/processors/tail-sampling.ts';
import { Telemetry } from '../../../src/collector/telemetry.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { configErrors, itemOf, items, type Decoded } from './harness.ts';
import { payload, request, traceId, traceName } from './tail-sampling-fixtures.ts';
import { decodeRequest, encodeRequest, jsonToProtobuf, parseRequest } from '../../../src/collector/otlp/index.ts';

const ERRORS = { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } };

async function sampler(config: object, id = 'tail_sampling') {
  const clock = new FakeClock();
  const telemetry = new Telemetry();
  const outputs: Payload[] = [];
  const parsed = tailSamplingProcessorFactory.configSchema.parse(config);
  const processor = new TailSampler({ id, type: 'tail_sampling', logger: pino({ level: 'silent' }), telemetry } as never, parsed, { consume: (p) => void outputs.push(p) }, clock);
  await processor.start();
  const kept = () => items('traces', outputs).map((entry) => traceName(itemOf(entry).traceId));
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const { values } = await telemetry.registry.getSingleMetric(`otelcol_processor_tail_sampling_${name}`)!.get();
    return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
  };
  return { clock, processor, outputs, kept, metric, telemetry };
}

describe('splitByTrace', () => {
  test('one entry of several traces becomes one entry per trace, resource and scope carried', () => {
    const [entry] = payload([{ resource: { 'service.name': 'a' }, spans: [{ trace: 'x' }, { trace: 'y' }, { trace: 'x' }] }]).resources;
    const parts = splitByTrace(entry!);
    expect(parts.map((part) => [traceName(Buffer.from(part.key, 'latin1').toString('hex')), part.spans])).toEqual([['x', 2], ['y', 1]]);
    const decoded = items('traces', [{ signal: 'traces', resources: [parts[0]!.entry], items: 2, bytes: 0 }]);
    expect(decoded.map((e) => itemOf(e).traceId)).toEqual([traceId('x'), traceId('x')]);
    expect(decoded[0]!.resource.attributes[0].key).toBe('service.name');
  });

  test('spans of a trace in several scopes keep their scopes; schema URLs are not carried, as upstream', () => {
    const span = (trace: string, name: string) => ({ traceId: traceId(trace), spanId: '0102030405060708', name });
    const body = jsonToProtobuf('traces', { resourceSpans: [{ schemaUrl: 'https://r', resource: {}, scopeSpans: [
      { scope: { name: 'A' }, schemaUrl: 'https://s', spans: [span('x', 'x1'), span('y', 'y1'), span('x', 'x2')] },
      { scope: { name: 'B' }, spans: [span('y', 'y2')] },
    ] }] });
    const parts = splitByTrace(parseRequest('traces', body).resources[0]!);
    const decoded = parts.map((part) => decodeRequest('traces', encodeRequest({ signal: 'traces', resources: [part.entry], items: part.spans, bytes: 0 })) as Decoded);
    const shape = decoded.map((request) => request.resourceSpans.flatMap((entry: Decoded) => entry.scopeSpans.flatMap((scope: Decoded) =>
      scope.spans.map((s: Decoded) => `${scope.scope.name}:${s.name}${scope.schemaUrl ?? ''}${entry.schemaUrl ?? ''}`))));
    expect(shape).toEqual([['A:x1', 'A:x2'], ['A:y1', 'B:y2']]);
  });

  test('an entry of one trace is passed on as it is', () => {
    const [entry] = payload([{ spans: [{ trace: 'x' }, { trace: 'x' }] }]).resources;
    expect(splitByTrace(entry!)[0]!.entry).toBe(entry);
  });
});

describe('decisions after decision_wait', () => {
  test('kept traces go on whole after the wait, others never; counted per policy', async () => {
    const s = await sampler({ decision_wait: '2s', policies: [ERRORS] });
    s.processor.consume(payload([{ spans: [{ trace: 'bad' }, { trace: 'good' }] }]));
    s.processor.consume(payload([{ spans: [{ trace: 'bad', status: 2 }] }]));
    await s.clock.advance(2000);
    expect(s.kept()).toEqual([]);
    await s.clock.advance(1000);
    expect(s.kept()).toEqual(['bad', 'bad']);
    expect(await s.metric('count_traces_sampled', { policy: 'errors', sampled: 'true', decision: 'sampled' })).toBe(1);
    expect(await s.metric('count_traces_sampled', { policy: 'errors', sampled: 'false', decision: 'not_sampled' })).toBe(1);
    expect(await s.metric('global_count_traces_sampled', { sampled: 'true' })).toBe(1);
    expect(await s.metric('new_trace_id_received')).toBe(2);
    await s.processor.shutdown(Date.now() + 1000);
  });

  test('late spans follow the decision held with the trace (no decision cache)', async () => {
    const s = await sampler({ decision_wait: '1s', policies: [ERRORS] });
    s.processor.consume(payload([{ spans: [{ trace: 'bad', status: 2 }, { trace: 'good' }] }]));
    await s.clock.advance(2000);
    s.processor.consume(payload([{ spans: [{ trace: 'bad' }, { trace: 'good', status: 2 }] }]));
    expect(s.kept()).toEqual(['bad', 'bad']);
    await s.clock.advance(5000);
    expect(s.kept()).toEqual(['bad', 'bad']);
    await s.processor.shutdown(Date.now() + 1000);
  });

  test('with decision caches, decided traces leave memory and late spans are released from the cache', async () => {
    const s = await sampler({ decision_wait: '1s', policies: [ERRORS], decision_cache: { sampled_cache_size: 10, non_sampled_cache_size: 10 } });
    s.processor.consume(payload([{ spans: [{ trace: 'bad', status: 2 }, { trace: 'good' }] }]));
    await s.clock.advance(2000);
    expect(await s.metric('sampling_traces_on_memory')).toBe(0);
    s.processor.consume(payload([{ spans: [{ trace: 'bad' }, { trace: 'good' }, { trace: 'good' }] }]));
    expect(s.kept()).toEqual(['bad', 'bad']);
    expect(await s.metric('early_releases_from_cache_decision', { sampled: 'true' })).toBe(1);
    expect(await s.metric('early_releases_from_cache_decision', { sampled: 'false' })).toBe(2);
    await s.processor.shutdown(Date.now() + 1000);
  });
});

describe('decision_wait_after_root_received', () => {
  test('a trace whose root span arrived is decided sooner', async () => {
    const s = await sampler({ decision_wait: '10s', decision_wait_after_root_received: '1s', policies: [{ name: 'all', type: 'always_sample' }] });
    const root = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: traceId('root'), spanId: '0000000000000001', name: 'r' }] }] }] };
    const child = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: traceId('child'), spanId: '0000000000000002', parentSpanId: '0000000000000001', name: 'c' }] }] }] };
    for (const body of [root, child]) s.processor.consume(parseRequest('traces', jsonToProtobuf('traces', body)));
    await s.clock.advance(2000);
    expect(s.kept()).toEqual(['root']);
    await s.clock.advance(10_000);
    expect(s.kept()).toEqual(['root', 'child']);
    await s.processor.shutdown(Date.now() + 1000);
  });
});

describe('span-ingest', () => {
  test('a request\'s spans that a policy samples go on at once with what the trace held; pending traces are not sampled', async () => {
    // Pending traces leave memory when not sampled: the cache keeps their decision for their later spans.
    const s = await sampler({ decision_wait: '5s', sampling_strategy: 'span-ingest', policies: [ERRORS], decision_cache: { non_sampled_cache_size: 10 } });
    s.processor.consume(payload([{ spans: [{ trace: 'bad' }, { trace: 'good' }] }]));
    expect(s.kept()).toEqual([]);
    s.processor.consume(payload([{ spans: [{ trace: 'bad', status: 2 }, { trace: 'good' }] }]));
    expect(s.kept()).toEqual(['bad', 'bad']);
    s.processor.consume(payload([{ spans: [{ trace: 'bad' }] }]));
    expect(s.kept()).toEqual(['bad', 'bad', 'bad']);
    await s.clock.advance(7000);
    s.processor.consume(payload([{ spans: [{ trace: 'good', status: 2 }] }]));
    expect(s.kept()).toEqual(['bad', 'bad', 'bad']);
    expect(await s.metric('global_count_traces_sampled', { decision: 'not_sampled' })).toBe(1);
    expect(await s.metric('count_traces_sampled', { policy: 'errors', decision: 'not_sampled' })).toBe(3);
    await s.processor.shutdown(Date.now() + 1000);
  });
});

describe('malformed spans', () => {
  test('a policy that cannot read a span counts an evaluation error and leaves the decision to the others', async () => {
    const s = await sampler({ decision_wait: '1s', policies: [ERRORS] });
    // A span whose status holds a truncated varint: only the status_code policy reads inside it.
    const span = Buffer.from([0x0a, 16, ...Buffer.from(traceId('bad'), 'hex'), 0x7a, 1, 0xff]);
    const scope = Buffer.from([0x12, span.length, ...span]);
    const entry = Buffer.from([0x12, scope.length, ...scope]);
    s.processor.consume({ signal: 'traces', resources: [entry], items: 1, bytes: entry.length + 2 });
    await s.clock.advance(2000);
    expect(s.kept()).toEqual([]);
    expect(await s.metric('sampling_policy_evaluation_error')).toBe(1);
    expect(await s.metric('global_count_traces_sampled', { decision: 'not_sampled' })).toBe(1);
    await s.processor.shutdown(Date.now() + 1000);
  });
});

describe('bounded memory', () => {
  test('beyond num_traces the oldest trace is evicted and counted as dropped too early', async () => {
    const s = await sampler({ decision_wait: '1s', num_traces: 2, policies: [{ name: 'all', type: 'always_sample' }] });
    for (const name of ['t1', 't2', 't3']) s.processor.consume(payload([{ spans: [{ trace: name }] }]));
    await s.clock.advance(2000);
    expect(s.kept().sort()).toEqual(['t2', 't3']);
    expect(await s.metric('sampling_trace_dropped_too_early')).toBe(1);
    await s.processor.shutdown(Date.now() + 1000);
  });

  test('with block_on_overflow a new trace waits for room instead of evicting; only a decision cache makes room', async () => {
    const s = await sampler({
      decision_wait: '1s', num_traces: 1, block_on_overflow: true, decision_cache: { sampled_cache_size: 10 }, policies: [{ name: 'all', type: 'always_sample' }],
    });
    await s.processor.consume(payload([{ spans: [{ trace: 't1' }] }]));
    let taken = false;
    const second = Promise.resolve(s.processor.consume(payload([{ spans: [{ trace: 't2' }] }]))).then(() => (taken = true));
    await s.clock.advance(1000);
    expect(taken).toBe(false);
    await s.clock.advance(1000);
    expect(s.kept()).toEqual(['t1']);
    await second;
    await s.clock.advance(2000);
    expect(s.kept()).toEqual(['t1', 't2']);
    expect(await s.metric('sampling_trace_dropped_too_early')).toBe(0);
    await s.processor.shutdown(Date.now() + 1000);
  });

  test('a request still waiting for room at shutdown is refused', async () => {
    const s = await sampler({ decision_wait: '1s', num_traces: 1, block_on_overflow: true, policies: [{ name: 'all', type: 'always_sample' }] });
    await s.processor.consume(payload([{ spans: [{ trace: 't1' }] }]));
    const waiting = s.processor.consume(payload([{ spans: [{ trace: 't2' }] }]));
    await s.processor.shutdown(Date.now() + 1000);
    await expect(waiting).rejects.toThrow('shut down while waiting for room');
    expect(s.kept()).toEqual(['t1']);
  });

  test('a trace over maximum_trace_size_bytes is not sampled', async () => {
    const s = await sampler({ decision_wait: '1s', maximum_trace_size_bytes: 50, policies: [{ name: 'all', type: 'always_sample' }] });
    s.processor.consume(payload([{ spans: [{ trace: 'big' }, { trace: 'big' }] }]));
    await s.clock.advance(2000);
    expect(s.kept()).toEqual([]);
    expect(await s.metric('traces_dropped_too_large')).toBe(1);
    await s.processor.shutdown(Date.now() + 1000);
  });
});

describe('shutdown', () => {
  test('pending traces are decided and sent', async () => {
    const s = await sampler({ decision_wait: '30s', policies: [{ name: 'all', type: 'always_sample' }] });
    s.processor.consume(payload([{ spans: [{ trace: 'a' }] }]));
    await s.processor.shutdown(Date.now() + 1000);
    expect(s.kept()).toEqual(['a']);
  });

  test('or dropped with drop_pending_traces_on_shutdown', async () => {
    const s = await sampler({ decision_wait: '30s', drop_pending_traces_on_shutdown: true, policies: [{ name: 'all', type: 'always_sample' }] });
    s.processor.consume(payload([{ spans: [{ trace: 'a' }] }]));
    await s.processor.shutdown(Date.now() + 1000);
    expect(s.kept()).toEqual([]);
  });

  test('a named processor labels its policies name.policy', async () => {
    const s = await sampler({ decision_wait: '1s', policies: [{ name: 'all', type: 'always_sample' }] }, 'tail_sampling/tier2');
    s.processor.consume(parseRequest('traces', jsonToProtobuf('traces', request([{ spans: [{ trace: 'a' }] }]))));
    await s.clock.advance(2000);
    expect(await s.metric('count_traces_sampled', { policy: 'tier2.all' })).toBe(1);
    await s.processor.shutdown(Date.now() + 1000);
  });
});

describe('config', () => {
  test.each<[string, object, string[]]>([
    ['the guide\'s four policies', {
      decision_wait: '10s', num_traces: 100000, expected_new_traces_per_sec: 1000, decision_cache: { sampled_cache_size: 100000, non_sampled_cache_size: 100000 },
      policies: [ERRORS, { name: 'slow', type: 'latency', latency: { threshold_ms: 1000 } },
        { name: 'vip', type: 'string_attribute', string_attribute: { key: 'customer.tier', values: ['vip'] } },
        { name: 'rest', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } }],
    }, []],
    ['a field of the wrong type', { num_traces: 'many' }, ['num_traces: Invalid input: expected number, received string']],
    ['span-ingest with a stateful policy', { sampling_strategy: 'span-ingest', policies: [{ name: 'r', type: 'rate_limiting', rate_limiting: { spans_per_second: 5 } }] },
      ['policies.0: sampling_strategy "span-ingest" requires all policies to be stateless, but policy "r" is stateful']],
    ['policy problems once the fields parse', {
      policies: [
        { name: '', type: 'always_sample' },
        { name: 'x', type: 'status_code', status_code: { status_codes: ['BAD'] } },
        { name: 'x', type: 'nope' },
        { name: 'r', type: 'string_attribute', string_attribute: { key: 'k', values: ['(a'], enabled_regex_matching: true } },
        { name: 'a', type: 'and', and: { and_sub_policy: [{ name: 's', type: 'drop' }] } },
        { name: 'o', type: 'ottl_condition', ottl_condition: { span: ['name == "a"', 'Nope(name)'], spanevent: ['name == "e"'] } },
        { name: 'o2', type: 'ottl_condition', ottl_condition: {} },
      ],
    }, [
      'policies.0.name: policy name cannot be empty',
      'policies.1.status_code.status_codes.0: unknown status code "BAD", supported: OK, ERROR, UNSET',
      'policies.2.name: duplicate policy name "x"',
      'policies.2.type: unknown sampling policy type nope',
      'policies.3.string_attribute.values.0: invalid regular expression "(a": error parsing regexp: missing closing ): `(a`',
      'policies.4.and.and_sub_policy.0.type: unknown sampling policy type drop',
      'policies.5.ottl_condition.spanevent: unsupported: span event conditions (ottl_condition.spanevent)',
      'policies.5.ottl_condition.span.1: unsupported path "Nope" in the span context in condition "Nope(name)"',
      'policies.6.ottl_condition: expected at least one OTTL condition to filter on',
    ]],
  ])('%s', (_name, config, errors) => {
    expect(configErrors(tailSamplingProcessorFactory as never, config)).toEqual(errors);
  });
});

test('decision ticks keep a fixed period when their timers fire late, as Go\'s ticker: the lateness does not add up', async () => {
  const fake = new FakeClock();
  // Every timer fires 300 ms late, as on a busy event loop.
  const late = { now: () => fake.now(), sleep: (ms: number, signal: AbortSignal) => fake.sleep(ms + 300, signal) };
  const parsed = tailSamplingProcessorFactory.configSchema.parse({ decision_wait: '2s', policies: [ERRORS] });
  const processor = new TailSampler({ id: 'tail_sampling', type: 'tail_sampling', logger: pino({ level: 'silent' }), telemetry: new Telemetry() } as never, parsed, { consume: () => {} }, late);
  await processor.start();
  await fake.advance(3500);
  // Ticks at 1.3, 2.3 and 3.3 s (not 1.3, 2.6, 3.9): each sleep asks for what is left of its period.
  expect(fake.sleeps).toEqual([1300, 1000, 1000, 1000]);
  await processor.shutdown(Date.now() + 1000);
});
