// spec.processors.tailSampling -> the upstream tail_sampling processor's config (contrib v0.161.0 field names).
// Only what the spec sets is written, so upstream's defaults apply to the rest in both collectors.
import type { LeafPolicy, TailSampling, TailSamplingPolicy } from '../../api/spec-tail-sampling.ts';
import type { TailSamplingSection } from '../../collector/config/document.ts';
import { configLiteral } from './literal.ts';

/** Spec type -> upstream type (also the name of the policy's block). */
const UPSTREAM_TYPE = {
  statusCode: 'status_code',
  latency: 'latency',
  stringAttribute: 'string_attribute',
  numericAttribute: 'numeric_attribute',
  probabilistic: 'probabilistic',
  and: 'and',
  composite: 'composite',
} as const;

type Section = Record<string, unknown>;

/** Drops undefined fields, so an unset optional is left to upstream's default rather than written as null. */
function defined(fields: Section): Section {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

function leafBlock(p: LeafPolicy): Section {
  switch (p.type) {
    case 'statusCode':
      return { status_codes: p.statusCode!.statusCodes };
    case 'latency':
      return defined({ threshold_ms: p.latency!.thresholdMs, upper_threshold_ms: p.latency!.upperThresholdMs });
    case 'stringAttribute': {
      const s = p.stringAttribute!;
      return defined({
        key: configLiteral(s.key),
        values: s.values.map(configLiteral),
        enabled_regex_matching: s.enabledRegexMatching,
        cache_max_size: s.cacheMaxSize,
        invert_match: s.invertMatch,
      });
    }
    case 'numericAttribute': {
      const n = p.numericAttribute!;
      return defined({ key: configLiteral(n.key), min_value: n.minValue, max_value: n.maxValue, invert_match: n.invertMatch });
    }
    case 'probabilistic': {
      const { samplingPercentage, hashSalt } = p.probabilistic!;
      return defined({ sampling_percentage: samplingPercentage, hash_salt: hashSalt === undefined ? undefined : configLiteral(hashSalt) });
    }
  }
}

function leafPolicy(p: LeafPolicy): Section {
  const type = UPSTREAM_TYPE[p.type];
  return { name: configLiteral(p.name), type, [type]: leafBlock(p) };
}

function policyConfig(p: TailSamplingPolicy): Section {
  if (p.type === 'and') return { name: configLiteral(p.name), type: 'and', and: { and_sub_policy: p.and!.andSubPolicy.map(leafPolicy) } };
  if (p.type === 'composite') {
    const c = p.composite!;
    return {
      name: configLiteral(p.name),
      type: 'composite',
      composite: defined({
        max_total_spans_per_second: c.maxTotalSpansPerSecond,
        policy_order: c.policyOrder.map(configLiteral),
        composite_sub_policy: c.compositeSubPolicy.map(leafPolicy),
        rate_allocation: c.rateAllocation?.map((a) => ({ policy: configLiteral(a.policy), percent: a.percent })),
      }),
    };
  }
  return leafPolicy(p as LeafPolicy);
}

/**
 * Without decision caches upstream keeps a decided trace in memory (for its late spans) until num_traces pushes it
 * out, so a sampler is always full and sampling_traces_on_memory says nothing about load. Caches of trace ids (a few
 * bytes each) take over that job, so decided traces leave: numTraces of each unless the spec sizes them.
 */
function decisionCache(t: TailSampling) {
  const cache = t.decisionCache ?? {};
  return { sampled_cache_size: cache.sampledCacheSize ?? t.numTraces, non_sampled_cache_size: cache.nonSampledCacheSize ?? t.numTraces };
}

export function tailSamplingConfig(t: TailSampling): TailSamplingSection {
  return {
    decision_wait: t.decisionWait,
    num_traces: t.numTraces,
    expected_new_traces_per_sec: t.expectedNewTracesPerSec,
    decision_cache: decisionCache(t),
    policies: t.policies.map(policyConfig),
  } as TailSamplingSection;
}
