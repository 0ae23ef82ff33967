// tail_sampling: upstream's (v0.161.0) and ours keep the same traces, span for span, for each of the guide's four
// policies (every trace with an error, slower than 1000 ms, with a VIP attribute value, a probabilistic 10 %) and for
// all four together; spans arriving after the decision follow it; both count the same decisions per policy and
// export the same tail_sampling series.
import type { JsonObject } from '../../src/collector/otlp/index.ts';
import { waitFor } from '../support/wait.ts';
import { startDifferential, type Differential } from './support/differential.ts';
import type { FlatItem } from './support/flatten.ts';

const DECISION_WAIT = '1s';
const TRACES = 240;

const hex = (value: number, bytes: number) => value.toString(16).padStart(bytes * 2, '0').slice(-bytes * 2);

/** A trace id from a small deterministic generator, so the probabilistic policy sees spread-out hashes. */
function traceId(i: number): string {
  let x = (i + 1) * 0x9e3779b1;
  let out = '';
  for (let k = 0; k < 4; k++) {
    x = Math.imul(x ^ (x >>> 15), 0x85ebca6b) >>> 0;
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
    out += hex(x, 4);
  }
  return out;
}

const TIERS = [undefined, 'vip', 'gold', 'VIP', 'vip ', { intValue: '1' }];
// A member with a listed value; one Go's parser refuses (an uppercase key); another value.
const TRACE_STATES = ['tier=vip,x=1', 'tier=vip,Bad=1', 'a=b, tier=gold'];
let spanSerial = 0;

/** Span i of trace t: errors, durations around 1000 ms and tier attributes vary with t and i. */
function span(t: number, i: number): JsonObject {
  const base = 1_700_000_000_000n + BigInt(t) * 10_000n;
  const slow = t % 7 === 0 ? 1001 : t % 7 === 1 ? 1000 : t % 7 === 2 ? 999 + i : 200;
  const start = base + BigInt(i * 100);
  const end = i === 2 ? base + BigInt(slow) : start + 50n;
  const tier = t % 5 === 0 ? TIERS[(t / 5) % TIERS.length] : undefined;
  const attributes: JsonObject[] = tier === undefined || i !== 1 ? [] : [{ key: 'customer.tier', value: typeof tier === 'string' ? { stringValue: tier } : tier }];
  if (i === 2 && t % 4 === 0) attributes.push({ key: 'debug', value: t % 16 === 8 ? { stringValue: 'true' } : { boolValue: t % 8 === 0 } });
  if (i === 0 && t % 3 === 0) attributes.push({ key: 'http.status_code', value: t % 9 === 0 ? { stringValue: '503' } : { intValue: String(200 + (t % 5) * 100) } });
  return {
    traceId: traceId(t), spanId: hex(++spanSerial, 8), name: `op-${i}`,
    startTimeUnixNano: String(start * 1_000_000n), endTimeUnixNano: String(end * 1_000_000n),
    attributes, ...(t % 6 === 1 ? { flags: i === 1 ? 0x101 : 0x100 } : {}), ...(i === 1 && t % 10 >= 7 ? { traceState: TRACE_STATES[t % 10 - 7] } : {}), ...(t % 11 === 3 && i === 2 ? { status: { code: 2 } } : t % 4 === 0 ? { status: { code: 1 } } : {}),
  };
}

/** Requests holding spans `from..to` of every trace, several traces per resource entry, resources alternating. */
function requests(from: number, to: number): JsonObject[] {
  const out: JsonObject[] = [];
  for (let first = 0; first < TRACES; first += 40) {
    const resourceSpans = [0, 1].map((r) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${r}` } }, ...(r === 1 && first === 80 ? [{ key: 'customer.tier', value: { stringValue: 'vip' } }] : [])] },
      scopeSpans: [{
        scope: { name: 'scope' },
        spans: Array.from({ length: 20 }, (_, k) => first + r * 20 + k).flatMap((t) => Array.from({ length: to - from }, (_, i) => span(t, from + i))),
      }],
    }));
    out.push({ resourceSpans });
  }
  return out;
}

const POLICIES = {
  errors: { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
  slow: { name: 'slow', type: 'latency', latency: { threshold_ms: 1000 } },
  vip: { name: 'vip', type: 'string_attribute', string_attribute: { key: 'customer.tier', values: ['vip', 'gold'] } },
  probabilistic: { name: 'probabilistic', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } },
};

/** Name, policies and other settings of the processor. */
const CASES: [string, object[], object?][] = [
  ...Object.entries(POLICIES).map(([name, policy]): [string, object[]] => [name, [policy]]),
  ['the four together', Object.values(POLICIES)],
  ['the four together, with decision caches', Object.values(POLICIES), { decision_cache: { sampled_cache_size: 1000, non_sampled_cache_size: 1000 } }],
  // On span ingest, a trace not sampled leaves memory at the end of its wait: its later spans are a new trace.
  ['the four together, decided on span ingest', Object.values(POLICIES), { sampling_strategy: 'span-ingest' }],
  ['the four together, in 4 shards with decision caches', Object.values(POLICIES), { num_shards: 4, decision_cache: { sampled_cache_size: 1000, non_sampled_cache_size: 1000 } }],
  ['and: an error in a slow trace', [{ name: 'both', type: 'and', and: { and_sub_policy: [POLICIES.errors, { ...POLICIES.slow, latency: { threshold_ms: 500 } }] } }]],
  ['string_attribute: patterns, inverted', [{ name: 'not-vip', type: 'string_attribute', string_attribute: { key: 'customer.tier', values: ['^v', 'ld$'], enabled_regex_matching: true, invert_match: true } }]],
  ['numeric_attribute: server errors, and not in range', [
    { name: '5xx', type: 'numeric_attribute', numeric_attribute: { key: 'http.status_code', min_value: 500, max_value: 599 } },
    { name: 'not-2xx', type: 'numeric_attribute', numeric_attribute: { key: 'http.status_code', min_value: 200, max_value: 299, invert_match: true } },
  ]],
  ['latency with an upper bound', [{ name: 'band', type: 'latency', latency: { threshold_ms: 300, upper_threshold_ms: 1000 } }]],
  ['drop, not and boolean_attribute', [
    { name: 'drop-debug', type: 'drop', drop: { drop_sub_policy: [{ name: 'debug', type: 'boolean_attribute', boolean_attribute: { key: 'debug', value: true } }] } },
    { name: 'not-error', type: 'not', not: { not_sub_policy: POLICIES.errors } },
    { name: 'not-debug', type: 'boolean_attribute', boolean_attribute: { key: 'debug', value: false, invert_match: true } },
  ]],
  ['trace_state', [{ name: 'tier', type: 'trace_state', trace_state: { key: 'tier', values: ['vip', 'gold'] } }]],
  ['ottl_condition', [{ name: 'ottl', type: 'ottl_condition', ottl_condition: { error_mode: 'ignore', span: [
    'attributes["http.status_code"] >= 500', 'resource.attributes["customer.tier"] == "vip" and IsMatch(name, "op-[01]")', 'span.status.code == STATUS_CODE_OK and name == "op-2"',
  ] } }]],
  ['span_count and trace_flags', [{ name: 'count', type: 'span_count', span_count: { min_spans: 4, max_spans: 5 } }, { name: 'flags', type: 'trace_flags' }]],
  // Within its budget: which traces a full budget refuses depends on upstream's (random) map order within a tick.
  ['composite within its budget', [{ name: 'c', type: 'composite', composite: {
    max_total_spans_per_second: 100_000, policy_order: ['errors', 'vip'], composite_sub_policy: [POLICIES.errors, POLICIES.vip], rate_allocation: [{ policy: 'errors', percent: 30 }],
  } }]],
];

/** JSON with object keys sorted (the two encoders write fields in different orders, so decoding orders keys differently). */
const canonical = (value: unknown): string => JSON.stringify(value, (_key, entry: unknown) => (entry !== null && typeof entry === 'object' && !Array.isArray(entry)
  ? Object.fromEntries(Object.entries(entry).sort(([a], [b]) => a.localeCompare(b))) : entry));
const sortedItems = (items: FlatItem[]) => items.map(canonical).sort();
const traceIds = (items: FlatItem[]) => [...new Set(items.map((item) => (item.item as JsonObject).traceId as string))].sort();

describe.each(CASES)('tail_sampling: %s', (_name, policies, settings = {}) => {
  let pair: Differential;
  beforeAll(async () => {
    pair = await startDifferential({ processors: { tail_sampling: { decision_wait: DECISION_WAIT, policies, ...settings } }, pipelines: { traces: ['tail_sampling'] } });
  });
  afterAll(() => pair?.stop());

  /** Waits until both have delivered and nothing more arrives for a while. */
  async function settled(): Promise<{ ours: FlatItem[]; upstream: FlatItem[] }> {
    let last = '';
    let quietSince = Date.now();
    await waitFor('both collectors to deliver their decisions', async () => {
      const { ours, upstream } = pair.delivered('traces');
      const now = `${ours.length}/${upstream.length}`;
      if (now !== last) {
        last = now;
        quietSince = Date.now();
      }
      return Date.now() - quietSince > 2500;
    }, 20_000, 100);
    return pair.delivered('traces');
  }

  test('the same traces kept, span for span; late spans follow the decision', async () => {
    for (const request of requests(0, 3)) await pair.send('traces', request);
    const decided = await settled();
    expect(traceIds(decided.ours)).toEqual(traceIds(decided.upstream));
    expect(sortedItems(decided.ours)).toEqual(sortedItems(decided.upstream));
    expect(traceIds(decided.upstream).length).toBeGreaterThan(0);
    expect(traceIds(decided.upstream).length).toBeLessThan(TRACES);

    for (const request of requests(3, 5)) await pair.send('traces', request);
    const late = await settled();
    expect(sortedItems(late.ours)).toEqual(sortedItems(late.upstream));
    if ((settings as { sampling_strategy?: string }).sampling_strategy !== 'span-ingest') expect(traceIds(late.ours)).toEqual(traceIds(decided.ours));
    expect(late.ours.length).toBeGreaterThan(decided.ours.length);
  });

  test('the same decisions counted, per policy and in all', async () => {
    const counted = (text: string) => text.split('\n')
      .filter((line) => /^otelcol_processor_tail_sampling_(count_traces_sampled|global_count_traces_sampled|new_trace_id_received|early_releases_from_cache_decision)\b/.test(line)).sort();
    const { ours, upstream } = await pair.metrics();
    expect(counted(ours)).toEqual(counted(upstream));
    expect(counted(upstream).length).toBeGreaterThan(0);
  });

  test('the same self-metric series, by name and label names (no processor item counts, as upstream)', async () => {
    const series = (text: string) => [...new Set(text.split('\n')
      .filter((line) => !line.startsWith('#') && /tail_sampling/.test(line))
      .map((line) => {
        const [, name, labels] = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line)!;
        const keys = [...(labels ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map(([, key]) => key).filter((key) => key !== 'le');
        return `${name!.replace(/_(bucket|sum|count)$/, '')}{${keys.sort().join(',')}}`;
      }))].sort();
    const { ours, upstream } = await pair.metrics();
    expect(series(ours)).toEqual(series(upstream));
  });
});
