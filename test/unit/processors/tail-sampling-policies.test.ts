// tail_sampling's policies as pure functions of a trace, table by table, with upstream's (v0.161.0) semantics; the
// probabilistic hash and threshold against values printed by upstream's own Go code (hash/fnv, math/big).
import { tailSamplingConfigSchema, type PolicyConfig } from '../../../src/collector/processors/tail-sampling-config.ts';
import { durationMs } from '../../../src/collector/processors/span-fields.ts';
import { hashTraceId, probabilisticThreshold } from '../../../src/collector/processors/tail-sampling-hash.ts';
import { decide, decideOnIngest, isStateful } from '../../../src/collector/processors/tail-sampling-decision.ts';
import { policyEvaluator, type Decision, type Evaluator } from '../../../src/collector/processors/tail-sampling-policies.ts';
import { trace, type EntrySpec } from './tail-sampling-fixtures.ts';

function policy(config: object): Evaluator {
  const parsed = tailSamplingConfigSchema.parse({ policies: [{ name: 'p', ...config }] });
  return policyEvaluator(parsed.policies[0] as PolicyConfig);
}

const spans = (...specs: EntrySpec['spans']): EntrySpec[] => [{ spans: specs }];
const t = 'trace-a';

describe('status_code', () => {
  test.each<[string, string[], EntrySpec[], Decision]>([
    ['an error span', ['ERROR'], spans({ trace: t, status: 0 }, { trace: t, status: 2 }), 'sampled'],
    ['no error span', ['ERROR'], spans({ trace: t, status: 1 }, { trace: t }), 'not_sampled'],
    ['unset matches a span without status', ['UNSET'], spans({ trace: t }), 'sampled'],
    ['any of several codes', ['OK', 'ERROR'], spans({ trace: t, status: 1 }), 'sampled'],
  ])('%s', (_name, codes, entries, expected) => {
    expect(policy({ type: 'status_code', status_code: { status_codes: codes } })(trace(entries), 0)).toBe(expected);
  });
});

describe('latency', () => {
  test.each<[string, object, EntrySpec[], Decision]>([
    ['one slow span', { threshold_ms: 1000 }, spans({ trace: t, start: 0, end: 1001 }), 'sampled'],
    ['exactly at the threshold is not over it', { threshold_ms: 1000 }, spans({ trace: t, start: 5, end: 1005 }), 'not_sampled'],
    ['the trace spans first start to last end', { threshold_ms: 1000 }, spans({ trace: t, start: 100, end: 600 }, { trace: t, start: 900, end: 1200 }), 'sampled'],
    ['within the upper bound', { threshold_ms: 100, upper_threshold_ms: 500 }, spans({ trace: t, start: 0, end: 300 }), 'sampled'],
    ['over the upper bound', { threshold_ms: 100, upper_threshold_ms: 500 }, spans({ trace: t, start: 0, end: 800 }), 'not_sampled'],
    // Upstream decides at the first span where the growing window qualifies: 0..300 is inside (100, 500].
    ['the window qualifies before it grows past the upper bound', { threshold_ms: 100, upper_threshold_ms: 500 },
      spans({ trace: t, start: 0, end: 300 }, { trace: t, start: 0, end: 900 }), 'sampled'],
    ['and not when the first spans are already past it', { threshold_ms: 100, upper_threshold_ms: 500 },
      spans({ trace: t, start: 0, end: 900 }, { trace: t, start: 0, end: 300 }), 'not_sampled'],
  ])('%s', (_name, config, entries, expected) => {
    expect(policy({ type: 'latency', latency: config })(trace(entries), 0)).toBe(expected);
  });

  test.each<[bigint, bigint, bigint]>([
    [0n, 1_999_999n, 1n],
    [2_000_000n, 0n, -2n],
    [0n, (1n << 64n) - 1n, 0n], // the end reads as int64 -1 ns
    [1n << 63n, (1n << 63n) - 1n, 9223372036854n], // saturated at the largest duration
  ])('durationMs(%p, %p) = %p', (min, max, ms) => {
    expect(durationMs(min, max)).toBe(ms);
  });
});

describe('string_attribute', () => {
  const vip = (extra: object = {}) => ({ type: 'string_attribute', string_attribute: { key: 'customer.tier', values: ['vip', 'gold'], ...extra } });
  test.each<[string, object, EntrySpec[], Decision]>([
    ['a span value', vip(), spans({ trace: t }, { trace: t, attributes: { 'customer.tier': 'gold' } }), 'sampled'],
    ['a resource value', vip(), [{ resource: { 'customer.tier': 'vip' }, spans: [{ trace: t }] }], 'sampled'],
    ['other values', vip(), spans({ trace: t, attributes: { 'customer.tier': 'basic' } }), 'not_sampled'],
    ['no such attribute', vip(), spans({ trace: t }), 'not_sampled'],
    ['exact, not a substring', vip(), spans({ trace: t, attributes: { 'customer.tier': 'vip2' } }), 'not_sampled'],
    ['regex, unanchored', vip({ values: ['^v.p', 'old$'], enabled_regex_matching: true }), spans({ trace: t, attributes: { 'customer.tier': 'vip2' } }), 'sampled'],
    // A non-string value reads as '': a span's never matches, a resource's does when a pattern matches ''.
    ['a span int value against a pattern matching empty', vip({ values: ['.*'], enabled_regex_matching: true }), spans({ trace: t, attributes: { 'customer.tier': 7 } }), 'not_sampled'],
    ['a resource int value against a pattern matching empty', vip({ values: ['.*'], enabled_regex_matching: true }),
      [{ resource: { 'customer.tier': 7 }, spans: [{ trace: t }] }], 'sampled'],
    ['inverted: no span matches', vip({ invert_match: true }), spans({ trace: t, attributes: { 'customer.tier': 'basic' } }, { trace: t }), 'sampled'],
    ['inverted: one span matches', vip({ invert_match: true }), spans({ trace: t }, { trace: t, attributes: { 'customer.tier': 'vip' } }), 'not_sampled'],
    ['inverted: the resource matches', vip({ invert_match: true }), [{ resource: { 'customer.tier': 'vip' }, spans: [{ trace: t }] }], 'not_sampled'],
  ])('%s', (_name, config, entries, expected) => {
    expect(policy(config)(trace(entries), 0)).toBe(expected);
  });
});

describe('numeric_attribute', () => {
  const range = (extra: object) => ({ type: 'numeric_attribute', numeric_attribute: { key: 'http.status', ...extra } });
  test.each<[string, object, EntrySpec[], Decision]>([
    ['in range', range({ min_value: 500, max_value: 599 }), spans({ trace: t, attributes: { 'http.status': 503 } }), 'sampled'],
    ['below', range({ min_value: 500, max_value: 599 }), spans({ trace: t, attributes: { 'http.status': 404 } }), 'not_sampled'],
    ['bounds are inclusive', range({ min_value: 500, max_value: 599 }), spans({ trace: t, attributes: { 'http.status': 599 } }), 'sampled'],
    ['only a minimum', range({ min_value: 500 }), spans({ trace: t, attributes: { 'http.status': 10_000 } }), 'sampled'],
    // A non-int value reads as 0, as upstream's Int().
    ['a string value is 0', range({ min_value: -1, max_value: 1 }), spans({ trace: t, attributes: { 'http.status': '503' } }), 'sampled'],
    ['a resource value', range({ min_value: 1 }), [{ resource: { 'http.status': 2 }, spans: [{ trace: t }] }], 'sampled'],
    ['inverted', range({ min_value: 500, invert_match: true }), spans({ trace: t, attributes: { 'http.status': 200 } }), 'sampled'],
    ['inverted, one in range', range({ min_value: 500, invert_match: true }), spans({ trace: t }, { trace: t, attributes: { 'http.status': 500 } }), 'not_sampled'],
  ])('%s', (_name, config, entries, expected) => {
    expect(policy(config)(trace(entries), 0)).toBe(expected);
  });
});

describe('probabilistic', () => {
  // Printed by upstream's calculateThreshold and hashTraceID (Go, v0.161.0).
  test.each([[0, '0'], [0.001, '184467440737095'], [1, '184467440737095519'], [10, '1844674407370955263'], [12.5, '2305843009213693951'],
    [33.3, '6142765776545279999'], [50, '9223372036854775807'], [99.9, '18428297329635844095'], [100, '18446744073709551615'],
    [150, '18446744073709551615'], [-5, '0']])('threshold for %p %% is %s', (percentage, threshold) => {
    expect(probabilisticThreshold(percentage / 100)).toBe(BigInt(threshold));
  });

  test.each([
    ['default-hash-seed', '00000000000000000000000000000000', '16254958829412527165'],
    ['default-hash-seed', '0102030405060708090a0b0c0d0e0f10', '15838989281584434349'],
    ['default-hash-seed', 'ffeeddccbbaa99887766554433221100', '2768661853276581885'],
    ['', '0102030405060708090a0b0c0d0e0f10', '16712008635831575701'],
    ['vip-salt', 'ffeeddccbbaa99887766554433221100', '14573904198669993647'],
  ])('FNV-1a 64 of %p and %s', (salt, id, hash) => {
    expect(hashTraceId(salt, Buffer.from(id, 'hex'))).toBe(BigInt(hash));
  });

  test('decides by the hash of the trace id: 10 % of many traces, the same every time', () => {
    const evaluate = policy({ type: 'probabilistic', probabilistic: { sampling_percentage: 10 } });
    const decisions = Array.from({ length: 2000 }, (_, i) => evaluate(trace(spans({ trace: `t${i}` })), 0));
    const kept = decisions.filter((d) => d === 'sampled').length;
    expect(kept).toBeGreaterThan(150);
    expect(kept).toBeLessThan(250);
    expect(Array.from({ length: 2000 }, (_, i) => evaluate(trace(spans({ trace: `t${i}` })), 0))).toEqual(decisions);
  });
});

describe('and, composite, always_sample', () => {
  const error = { name: 'e', type: 'status_code', status_code: { status_codes: ['ERROR'] } };
  const slow = { name: 's', type: 'latency', latency: { threshold_ms: 100 } };
  test.each<[string, EntrySpec[], Decision]>([
    ['both', spans({ trace: t, status: 2, start: 0, end: 500 }), 'sampled'],
    ['one', spans({ trace: t, status: 2 }), 'not_sampled'],
  ])('and: %s', (_name, entries, expected) => {
    expect(policy({ type: 'and', and: { and_sub_policy: [error, slow] } })(trace(entries), 0)).toBe(expected);
  });

  test('composite: the first sampling sub-policy spends its share of spans per second', () => {
    const evaluate = policy({
      type: 'composite',
      composite: { max_total_spans_per_second: 4, policy_order: ['e', 'a'], composite_sub_policy: [error, { name: 'a', type: 'always_sample' }], rate_allocation: [{ policy: 'e', percent: 50 }] },
    });
    const errorTrace = trace(spans({ trace: t, status: 2 }));
    const plain = trace(spans({ trace: 'b' }));
    expect([evaluate(errorTrace, 1000), evaluate(errorTrace, 1500), evaluate(errorTrace, 1999)]).toEqual(['sampled', 'sampled', 'not_sampled']);
    expect([evaluate(plain, 1000), evaluate(plain, 1000), evaluate(plain, 1000)]).toEqual(['sampled', 'sampled', 'not_sampled']);
    expect(evaluate(errorTrace, 2000)).toBe('sampled');
  });

  test('always_sample', () => {
    expect(policy({ type: 'always_sample' })(trace(spans({ trace: t })), 0)).toBe('sampled');
  });
});

describe('boolean_attribute, span_count, trace_flags, not, drop', () => {
  const flag = (extra: object = {}) => ({ type: 'boolean_attribute', boolean_attribute: { key: 'debug', value: true, ...extra } });
  test.each<[string, object, EntrySpec[], Decision]>([
    ['boolean on a span', flag(), spans({ trace: t }, { trace: t, attributes: { debug: true } }), 'sampled'],
    ['boolean on the resource', flag(), [{ resource: { debug: true }, spans: [{ trace: t }] }], 'sampled'],
    ['boolean: another value', flag(), spans({ trace: t, attributes: { debug: false } }), 'not_sampled'],
    // A non-bool value reads as false, as upstream's Bool().
    ['boolean: false matches a string value', flag({ value: false }), spans({ trace: t, attributes: { debug: 'yes' } }), 'sampled'],
    ['boolean inverted: absent everywhere', flag({ invert_match: true }), spans({ trace: t }), 'sampled'],
    ['boolean inverted: one span has it', flag({ invert_match: true }), spans({ trace: t }, { trace: t, attributes: { debug: true } }), 'not_sampled'],
    ['span_count in range', { type: 'span_count', span_count: { min_spans: 2, max_spans: 3 } }, spans({ trace: t }, { trace: t }), 'sampled'],
    ['span_count above the maximum', { type: 'span_count', span_count: { min_spans: 2, max_spans: 3 } }, spans({ trace: t }, { trace: t }, { trace: t }, { trace: t }), 'not_sampled'],
    ['span_count with no maximum', { type: 'span_count', span_count: { min_spans: 2 } }, spans({ trace: t }, { trace: t }, { trace: t }, { trace: t }), 'sampled'],
    ['trace_flags: a sampled span', { type: 'trace_flags' }, spans({ trace: t, flags: 0x100 }, { trace: t, flags: 0x101 }), 'sampled'],
    ['trace_flags: none sampled', { type: 'trace_flags' }, spans({ trace: t, flags: 0x100 }), 'not_sampled'],
    ['not', { type: 'not', not: { not_sub_policy: { name: 'n', type: 'status_code', status_code: { status_codes: ['ERROR'] } } } }, spans({ trace: t }), 'sampled'],
    ['drop when every sub-policy matches', { type: 'drop', drop: { drop_sub_policy: [{ name: 'd', ...flag() }, { name: 'x', type: 'not', not: { not_sub_policy: { name: 'y', type: 'span_count', span_count: { min_spans: 5 } } } }] } },
      spans({ trace: t, attributes: { debug: true } }), 'dropped'],
    ['no drop when one does not', { type: 'drop', drop: { drop_sub_policy: [{ name: 'd', ...flag() }] } }, spans({ trace: t }), 'not_sampled'],
  ])('%s', (_name, config, entries, expected) => {
    expect(policy(config)(trace(entries), 0)).toBe(expected);
  });
});

describe('trace_state, rate_limiting', () => {
  const state = (values: string[]) => ({ type: 'trace_state', trace_state: { key: 'tier', values } });
  const withState = (traceState: string) => trace([{ spans: [{ trace: t, traceState }] }]);
  test.each<[string, string[], string, Decision]>([
    ['a member with a listed value', ['vip', 'gold'], 'other=1,tier=gold', 'sampled'],
    ['another value', ['vip'], 'tier=basic', 'not_sampled'],
    ['no such member', ['vip'], 'other=vip', 'not_sampled'],
    // Go's parser refuses the whole tracestate when one member is invalid (an uppercase key here).
    ['an unreadable tracestate', ['vip'], 'tier=vip,Bad=1', 'not_sampled'],
    ['spaces around members are trimmed', ['vip'], 'a=1, \ttier=vip \t', 'sampled'],
  ])('%s', (_name, values, traceState, expected) => {
    expect(policy(state(values))(withState(traceState), 0)).toBe(expected);
  });

  test('bytes_limiting: the trace as one request of its entries, against bytes per second', () => {
    const one = trace(spans({ trace: t }));
    const size = one.entries.reduce((n, entry) => n + 2 + entry.length, 0);
    const evaluate = policy({ type: 'bytes_limiting', bytes_limiting: { bytes_per_second: size, burst_capacity: size } });
    expect([0, 0, 999, 1000].map((now) => evaluate(one, now))).toEqual(['sampled', 'not_sampled', 'not_sampled', 'sampled']);
  });

  test('rate_limiting: spans per second with a burst of twice that, from a full bucket', () => {
    const evaluate = policy({ type: 'rate_limiting', rate_limiting: { spans_per_second: 2 } });
    const twoSpans = trace(spans({ trace: t }, { trace: t }));
    expect([0, 0, 0, 500, 999, 1000, 2000].map((now) => evaluate(twoSpans, now))).toEqual(['sampled', 'sampled', 'not_sampled', 'not_sampled', 'not_sampled', 'sampled', 'sampled']);
  });
});

describe('ottl_condition', () => {
  const ottl = (span: string[]) => ({ type: 'ottl_condition', ottl_condition: { span } });
  test.each<[string, string[], EntrySpec[], Decision]>([
    ['a span attribute', ['attributes["http.status"] >= 500'], spans({ trace: t }, { trace: t, attributes: { 'http.status': 503 } }), 'sampled'],
    ['no span matches', ['attributes["http.status"] >= 500'], spans({ trace: t, attributes: { 'http.status': 200 } }), 'not_sampled'],
    ['the resource of the span', ['resource.attributes["tier"] == "vip"'], [{ resource: { tier: 'vip' }, spans: [{ trace: t }] }], 'sampled'],
    ['any of the conditions', ['name == "nope"', 'span.status.code == STATUS_CODE_ERROR'], spans({ trace: t, status: 2 }), 'sampled'],
    ['the scope of the span', ['instrumentation_scope.name == "test"'], spans({ trace: t }), 'sampled'],
  ])('%s', (_name, conditions, entries, expected) => {
    expect(policy(ottl(conditions))(trace(entries), 0)).toBe(expected);
  });
});

describe('decide: how policy decisions combine', () => {
  const fixed = (decision: Decision): Evaluator => () => decision;
  const data = trace(spans({ trace: t }));
  test('a policy that fails is left out, as upstream leaves out an evaluation error', () => {
    const failing: Evaluator = () => {
      throw new Error('malformed span');
    };
    expect(decide([failing, fixed('not_sampled')], 0, data, 0, false)).toEqual({ decision: 'not_sampled', policy: -1, decisions: [undefined, 'not_sampled'] });
    expect(decide([failing, fixed('sampled')], 0, data, 0, false)).toEqual({ decision: 'sampled', policy: 1, decisions: [undefined, 'sampled'] });
  });

  test.each<[string, Decision[], number, boolean, Decision, number, number]>([
    ['no policies', [], 0, false, 'not_sampled', -1, 0],
    ['none samples', ['not_sampled', 'not_sampled'], 0, false, 'not_sampled', -1, 2],
    ['any samples', ['not_sampled', 'sampled', 'not_sampled'], 0, false, 'sampled', 1, 3],
    ['all are asked', ['sampled', 'sampled'], 0, false, 'sampled', 0, 2],
    ['sample_on_first_match stops at the first', ['not_sampled', 'sampled', 'sampled'], 0, true, 'sampled', 1, 2],
    ['a drop policy that drops ends it', ['not_sampled', 'dropped', 'sampled'], 2, false, 'dropped', 1, 2],
    ['drop policies that do not drop leave it to the others', ['not_sampled', 'sampled'], 1, false, 'sampled', 1, 2],
  ])('%s', (_name, decisions, drops, firstMatch, decision, policyIndex, asked) => {
    const verdict = decide(decisions.map(fixed), drops, data, 0, firstMatch);
    expect(verdict.decision).toBe(decision);
    expect(verdict.policy).toBe(policyIndex);
    expect(verdict.decisions).toHaveLength(asked);
  });
});

describe('decideOnIngest (span-ingest)', () => {
  const fixed = (decision: Decision): Evaluator => () => decision;
  const failing: Evaluator = () => {
    throw new Error('malformed span');
  };
  const data = trace(spans({ trace: t }));
  test.each<[string, Evaluator[], number, Decision | undefined, number]>([
    ['the first that samples decides', [fixed('not_sampled'), fixed('sampled'), fixed('sampled')], 0, 'sampled', 2],
    ['none samples: pending', [fixed('not_sampled')], 0, undefined, 1],
    ['a drop decides', [fixed('dropped'), fixed('sampled')], 1, 'dropped', 1],
    ['a drop policy that answers stops the others', [fixed('not_sampled'), fixed('sampled')], 1, undefined, 1],
    ['a drop policy that fails does not', [failing, fixed('sampled')], 1, 'sampled', 2],
  ])('%s', (_name, policies, drops, decision, asked) => {
    const verdict = decideOnIngest(policies, drops, data, 0);
    expect(verdict.decision).toBe(decision);
    expect(verdict.decisions).toHaveLength(asked);
  });

  test.each<[object, boolean]>([
    [{ type: 'latency', latency: { threshold_ms: 5 } }, false],
    [{ type: 'latency', latency: { threshold_ms: 5, upper_threshold_ms: 9 } }, true],
    [{ type: 'rate_limiting' }, true],
    [{ type: 'and', and: { and_sub_policy: [{ name: 'a', type: 'always_sample' }, { name: 'n', type: 'not', not: { not_sub_policy: { name: 's', type: 'span_count', span_count: { max_spans: 3 } } } }] } }, true],
    [{ type: 'composite', composite: { composite_sub_policy: [{ name: 'a', type: 'always_sample' }] } }, false],
  ])('isStateful(%j) = %p', (config, stateful) => {
    expect(isStateful(tailSamplingConfigSchema.parse({ policies: [{ name: 'p', ...config }] }).policies[0]!)).toBe(stateful);
  });
});
