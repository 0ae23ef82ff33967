// The tail_sampling policies as upstream's evaluators (contrib tailsamplingprocessor v0.161.0, internal/sampling);
// how their decisions combine: tail-sampling-decision.ts. Pure: a policy reads the trace it is given and, for the
// rate budgets of rate_limiting and composite, the time it is told.
import { compileRe2 } from '../../contract/re2.ts';
import { decodeAnyValue } from '../otlp/any-value.ts';
import { bytesEqual, findAttribute, keyBytes } from '../otlp/attributes.ts';
import { RESOURCE_ATTRIBUTES, SPAN_ATTRIBUTES } from '../otlp/schema.ts';
import { requestSize } from '../otlp/scan.ts';
import { durationMs, INT64_MAX, INT64_MIN, spanFlags, spanStatusCode, spanTimes, spanTraceState } from './span-fields.ts';
import type { AndSubPolicyConfig, CompositeConfig, PolicyConfig, SharedPolicyConfig } from './tail-sampling-config.ts';
import { FNV64_OFFSET, fnv64, probabilisticThreshold } from './tail-sampling-hash.ts';
import { TokenBucket } from './token-bucket.ts';
import { parseTraceState } from './w3c-trace-state.ts';
import { compileConditions } from './ottl.ts';
import { allResourcesAndSpans, anyResourceOrSpan, anySpan, anySpanInContext, intAttribute, stringAttributeBytes, type TraceData } from './tail-sampling-trace.ts';

/** What policies decide (upstream also has the deprecated inverted decisions, which no policy gives any more). */
export type Decision = 'sampled' | 'not_sampled' | 'dropped';

/** Evaluates one trace; `now` is the collector clock's time in ms (for the rate budgets of rate_limiting and composite). */
export type Evaluator = (trace: TraceData, now: number) => Decision;

const FLAG_SAMPLED = 0x01;
const STATUS_CODES: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };
const utf8 = new TextDecoder();


function latencyPolicy(thresholdMs: number, upperThresholdMs: number): Evaluator {
  const lower = BigInt(thresholdMs);
  const upper = BigInt(upperThresholdMs);
  return (trace) => {
    // The window grows span by span in arrival order, and the first span at which it qualifies decides.
    let min = 0n;
    let max = 0n;
    return anySpan(trace, (span) => {
      const [start, end] = spanTimes(span);
      if (min === 0n || start < min) min = start;
      if (max === 0n || end > max) max = end;
      const ms = durationMs(min, max);
      return upper === 0n ? ms > lower : lower < ms && ms <= upper;
    }) ? 'sampled' : 'not_sampled';
  };
}

function statusCodePolicy(names: readonly string[]): Evaluator {
  const codes = names.map((name) => STATUS_CODES[name]!);
  return (trace) => (anySpan(trace, (span) => codes.includes(spanStatusCode(span))) ? 'sampled' : 'not_sampled');
}

/** Whether a string value (its UTF-8 bytes) matches: exact values byte for byte, or RE2 patterns on the decoded text. */
type Matcher = (value: Uint8Array) => boolean;

function exactMatcher(values: readonly string[]): Matcher {
  const byLength = new Map<number, Uint8Array[]>();
  for (const value of values.filter((entry) => entry !== '')) {
    const bytes = Buffer.from(value, 'utf8');
    byLength.set(bytes.length, [...(byLength.get(bytes.length) ?? []), bytes]);
  }
  return (value) => byLength.get(value.length)?.some((candidate) => bytesEqual(candidate, value)) ?? false;
}

function regexMatcher(values: readonly string[], cacheSize: number): Matcher {
  const patterns = values.map(compileRe2);
  const limit = cacheSize <= 0 ? 128 : cacheSize;
  const cache = new Map<string, boolean>();
  return (bytes) => {
    const value = utf8.decode(bytes);
    const known = cache.get(value);
    if (known !== undefined) return known;
    const matched = patterns.some((pattern) => pattern.test(value));
    if (cache.size >= limit) cache.delete(cache.keys().next().value!);
    cache.set(value, matched);
    return matched;
  };
}

function stringAttributePolicy(config: SharedPolicyConfig['string_attribute']): Evaluator {
  const key = keyBytes(config.key);
  const matches = config.enabled_regex_matching ? regexMatcher(config.values, config.cache_max_size) : exactMatcher(config.values);
  // A resource's non-string value is read as '' (which a pattern may match); a span's '' never matches.
  const resourceMatch = (resource: Uint8Array) => {
    const value = stringAttributeBytes(resource, RESOURCE_ATTRIBUTES, key);
    return value !== undefined && matches(value);
  };
  const spanMatch = (span: Uint8Array) => {
    const value = stringAttributeBytes(span, SPAN_ATTRIBUTES, key);
    return value !== undefined && value.length !== 0 && matches(value);
  };
  if (config.invert_match) {
    return (trace) => (allResourcesAndSpans(trace, (r) => !resourceMatch(r), (s) => !spanMatch(s)) ? 'sampled' : 'not_sampled');
  }
  return (trace) => (anyResourceOrSpan(trace, resourceMatch, spanMatch) ? 'sampled' : 'not_sampled');
}

function numericAttributePolicy(config: SharedPolicyConfig['numeric_attribute']): Evaluator {
  const key = keyBytes(config.key);
  // 0 means unset, as upstream reads these fields.
  const min = config.min_value === 0 ? INT64_MIN : BigInt(config.min_value);
  const max = config.max_value === 0 ? INT64_MAX : BigInt(config.max_value);
  const inRange = (message: Uint8Array, field: number) => {
    const value = intAttribute(message, field, key);
    return value !== undefined && value >= min && value <= max;
  };
  const resourceMatch = (resource: Uint8Array) => inRange(resource, RESOURCE_ATTRIBUTES);
  const spanMatch = (span: Uint8Array) => inRange(span, SPAN_ATTRIBUTES);
  if (config.invert_match) {
    return (trace) => (allResourcesAndSpans(trace, (r) => !resourceMatch(r), (s) => !spanMatch(s)) ? 'sampled' : 'not_sampled');
  }
  return (trace) => (anyResourceOrSpan(trace, resourceMatch, spanMatch) ? 'sampled' : 'not_sampled');
}


function probabilisticPolicy(config: SharedPolicyConfig['probabilistic']): Evaluator {
  const salted = fnv64(...FNV64_OFFSET, Buffer.from(config.hash_salt === '' ? 'default-hash-seed' : config.hash_salt, 'utf8'));
  const threshold = probabilisticThreshold(config.sampling_percentage / 100);
  const [thresholdHi, thresholdLo] = [Number(threshold >> 32n), Number(threshold & 0xffffffffn)];
  return (trace) => {
    const [hi, lo] = fnv64(...salted, trace.id);
    return hi < thresholdHi || (hi === thresholdHi && lo <= thresholdLo) ? 'sampled' : 'not_sampled';
  };
}

function andPolicy(subs: readonly Evaluator[], decision: Decision = 'sampled'): Evaluator {
  return (trace, now) => (subs.every((sub) => sub(trace, now) !== 'not_sampled') ? decision : 'not_sampled');
}

function notPolicy(sub: Evaluator): Evaluator {
  return (trace, now) => {
    const decision = sub(trace, now);
    return decision === 'sampled' ? 'not_sampled' : decision === 'not_sampled' ? 'sampled' : decision;
  };
}

function andSubPolicy(config: AndSubPolicyConfig): Evaluator {
  return config.type === 'not' ? notPolicy(sharedPolicy(config.not.not_sub_policy)) : sharedPolicy(config);
}

function booleanAttributePolicy(config: SharedPolicyConfig['boolean_attribute']): Evaluator {
  const key = keyBytes(config.key);
  // upstream's Bool(): false for other types.
  const equals = (message: Uint8Array, field: number) => {
    const found = findAttribute(message, field, key);
    if (found === undefined) return undefined;
    const value = decodeAnyValue(found);
    return (value.type === 'bool' && value.value) === config.value;
  };
  if (config.invert_match) {
    const differs = (field: number) => (message: Uint8Array) => equals(message, field) !== true;
    return (trace) => (allResourcesAndSpans(trace, differs(RESOURCE_ATTRIBUTES), differs(SPAN_ATTRIBUTES)) ? 'sampled' : 'not_sampled');
  }
  const same = (field: number) => (message: Uint8Array) => equals(message, field) === true;
  return (trace) => (anyResourceOrSpan(trace, same(RESOURCE_ATTRIBUTES), same(SPAN_ATTRIBUTES)) ? 'sampled' : 'not_sampled');
}

/** A span's tracestate has the key with one of the values (members of a tracestate Go cannot parse never match). */
function traceStatePolicy(config: SharedPolicyConfig['trace_state']): Evaluator {
  const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
  const key = latin1(config.key);
  // As upstream: values that would make a member longer than 255 bytes are left out.
  const values = new Set(config.values.map(latin1).filter((value) => value !== '' && key.length + value.length < 256));
  return (trace) => (anySpan(trace, (span) => {
    const value = parseTraceState(spanTraceState(span))?.get(key);
    return value !== undefined && values.has(value);
  }) ? 'sampled' : 'not_sampled');
}

function spanCountPolicy(config: SharedPolicyConfig['span_count']): Evaluator {
  const { min_spans: min, max_spans: max } = config;
  return (trace) => (trace.spanCount >= min && (max === 0 || trace.spanCount <= max) ? 'sampled' : 'not_sampled');
}


/** Composite: the first sub-policy that samples decides, within its spans-per-second share and the total. */
function compositePolicy(config: CompositeConfig): Evaluator {
  const total = config.max_total_spans_per_second;
  const share = config.composite_sub_policy.length === 0 ? 0 : total / config.composite_sub_policy.length;
  const percents = new Map(config.rate_allocation.map((entry) => [entry.policy, entry.percent]));
  const subs = config.composite_sub_policy.map((sub) => {
    const percent = percents.get(sub.name);
    const allocated = Math.trunc(percent !== undefined && percent > 0 ? (percent / 100) * total : share);
    const evaluate = sub.type === 'and' ? andPolicy(sub.and.and_sub_policy.map(andSubPolicy)) : sharedPolicy(sub);
    return { evaluate, allocated, spent: 0 };
  });
  let current = 0;
  return (trace, now) => {
    const second = Math.floor(now / 1000);
    if (second !== current) {
      current = second;
      for (const sub of subs) sub.spent = 0;
    }
    for (const sub of subs) {
      if (sub.evaluate(trace, now) !== 'sampled') continue;
      const spent = sub.spent + trace.spanCount;
      if (spent > sub.allocated || spent > total) return 'not_sampled';
      sub.spent = spent;
      return 'sampled';
    }
    return 'not_sampled';
  };
}

function sharedPolicy(config: SharedPolicyConfig): Evaluator {
  switch (config.type) {
    case 'always_sample': return () => 'sampled';
    case 'latency': return latencyPolicy(config.latency.threshold_ms, config.latency.upper_threshold_ms);
    case 'status_code': return statusCodePolicy(config.status_code.status_codes);
    case 'string_attribute': return stringAttributePolicy(config.string_attribute);
    case 'numeric_attribute': return numericAttributePolicy(config.numeric_attribute);
    case 'probabilistic': return probabilisticPolicy(config.probabilistic);
    case 'boolean_attribute': return booleanAttributePolicy(config.boolean_attribute);
    case 'span_count': return spanCountPolicy(config.span_count);
    case 'trace_state': return traceStatePolicy(config.trace_state);
    case 'ottl_condition': {
      const condition = compileConditions(config.ottl_condition.span, 'span');
      return (trace) => (anySpanInContext(trace, condition) ? 'sampled' : 'not_sampled');
    }
    case 'rate_limiting': {
      const { spans_per_second: rate, burst_capacity: burst } = config.rate_limiting;
      const bucket = new TokenBucket(rate, burst > 0 ? burst : 2 * rate);
      return (trace, now) => (bucket.allow(now, trace.spanCount) ? 'sampled' : 'not_sampled');
    }
    case 'bytes_limiting': {
      // The trace's size as one export request of its entries, as upstream's TracesSize.
      const { bytes_per_second: rate, burst_capacity: burst } = config.bytes_limiting;
      const bucket = new TokenBucket(rate, burst > 0 ? burst : 2 * rate);
      return (trace, now) => (bucket.allow(now, requestSize(trace.entries)) ? 'sampled' : 'not_sampled');
    }
    case 'trace_flags': return (trace) => (anySpan(trace, (span) => (spanFlags(span) & FLAG_SAMPLED) !== 0) ? 'sampled' : 'not_sampled');
    default: throw new Error(`tail_sampling: policy type ${config.type} is not supported`);
  }
}

/** The evaluator of a top-level policy (the config was validated, so its type is one this collector runs). */
export function policyEvaluator(config: PolicyConfig): Evaluator {
  if (config.type === 'and') return andPolicy(config.and.and_sub_policy.map(andSubPolicy));
  if (config.type === 'drop') return andPolicy(config.drop.drop_sub_policy.map(andSubPolicy), 'dropped');
  if (config.type === 'not') return notPolicy(sharedPolicy(config.not.not_sub_policy));
  if (config.type === 'composite') return compositePolicy(config.composite);
  return sharedPolicy(config);
}
