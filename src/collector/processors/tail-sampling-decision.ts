// How the tail_sampling policies' decisions make a trace's decision, as upstream's processor combines them: after
// the wait (makeDecision) or on span ingest (makeDecisionOnSpanIngest); and which policies keep state between traces.
import type { AndSubPolicyConfig, PolicyConfig, SharedPolicyConfig } from './tail-sampling-config.ts';
import type { Decision, Evaluator } from './tail-sampling-policies.ts';
import type { TraceData } from './tail-sampling-trace.ts';

/** A policy's decision, or undefined when it failed (a malformed span: upstream's evaluation error). */
function ask(policy: Evaluator, trace: TraceData, now: number): Decision | undefined {
  try {
    return policy(trace, now);
  } catch {
    return undefined;
  }
}

export interface Verdict {
  readonly decision: Decision;
  /** Index of the policy whose decision it is (the first that gave it), or -1 (none sampled or dropped). */
  readonly policy: number;
  /**
   * Each evaluated policy's decision in order, undefined where it failed (a malformed span: upstream's evaluation
   * error, which leaves the policy out); none after a drop, nor, with sample_on_first_match, after a sample.
   */
  readonly decisions: readonly (Decision | undefined)[];
}

/**
 * Upstream's decision: the first `drops` policies (the drop policies, which upstream puts first) are asked until one
 * drops the trace; then every other policy in order (with sample_on_first_match, up to the first that samples). The
 * trace is dropped when a drop policy drops it, else sampled when any policy samples it.
 */
export function decide(policies: readonly Evaluator[], drops: number, trace: TraceData, now: number, firstMatch: boolean): Verdict {
  const decisions: (Decision | undefined)[] = [];
  for (let i = 0; i < policies.length; i++) {
    const decision = ask(policies[i]!, trace, now);
    decisions.push(decision);
    if (i < drops && decision === 'dropped') return { decision, policy: i, decisions };
    if (i >= drops && firstMatch && decision === 'sampled') break;
  }
  const policy = decisions.indexOf('sampled', drops);
  return { decision: policy >= 0 ? 'sampled' : 'not_sampled', policy, decisions };
}

/** A decision on span ingest: sampled, dropped, or undefined while pending; with each asked policy's decision. */
export interface IngestVerdict {
  readonly decision: 'sampled' | 'dropped' | undefined;
  readonly decisions: readonly (Decision | undefined)[];
}

/**
 * Upstream's decision on span ingest (sampling_strategy span-ingest), on the spans of one request: a drop policy
 * that drops decides; once a drop policy has answered without dropping, no other policy is asked; else the first
 * policy that samples decides. Pending traces are not sampled when their wait ends.
 */
export function decideOnIngest(policies: readonly Evaluator[], drops: number, trace: TraceData, now: number): IngestVerdict {
  const decisions: (Decision | undefined)[] = [];
  let dropPending = false;
  for (let i = 0; i < policies.length; i++) {
    if (i >= drops && dropPending) break;
    const decision = ask(policies[i]!, trace, now);
    decisions.push(decision);
    if (decision === undefined) continue;
    if (decision === 'dropped') return { decision, decisions };
    if (i < drops) dropPending = true;
    else if (decision === 'sampled') return { decision, decisions };
  }
  return { decision: undefined, decisions };
}

/** Whether a policy keeps state between traces (upstream's IsStateful; span-ingest refuses such policies). */
export function isStateful(config: PolicyConfig | AndSubPolicyConfig | SharedPolicyConfig): boolean {
  switch (config.type) {
    case 'rate_limiting': case 'bytes_limiting': return true;
    case 'latency': return config.latency.upper_threshold_ms > 0;
    case 'span_count': return config.span_count.max_spans > 0;
    case 'not': return 'not' in config && isStateful(config.not.not_sub_policy);
    case 'and': return 'and' in config && config.and.and_sub_policy.some(isStateful);
    case 'drop': return 'drop' in config && config.drop.drop_sub_policy.some(isStateful);
    case 'composite': return 'composite' in config && config.composite.composite_sub_policy.some(isStateful);
    default: return false;
  }
}
