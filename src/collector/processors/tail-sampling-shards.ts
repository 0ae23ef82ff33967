// How upstream's tail_sampling spreads traces over `num_shards` shards and what share of the config each gets
// (sharded_processor.go): the trace id's halves XORed and mixed (SplitMix64's finalizer) modulo the shard count;
// num_traces, the expected rate, the decision caches and every rate budget divided by the shard count.
import type { AndSubPolicyConfig, CompositeConfig, PolicyConfig, SharedPolicyConfig, TailSamplingConfig } from './tail-sampling-config.ts';

const MASK = (1n << 64n) - 1n;

/** The shard of a trace (its key: the trace id's 16 bytes as latin1), as upstream's traceIDToShard. */
export function traceShard(key: string, shards: number): number {
  const id = Buffer.from(key, 'latin1');
  let h = id.readBigUInt64LE(0) ^ id.readBigUInt64LE(8);
  h ^= h >> 30n;
  h = (h * 0xbf58476d1ce4e5b9n) & MASK;
  h ^= h >> 27n;
  h = (h * 0x94d049bb133111ebn) & MASK;
  h ^= h >> 31n;
  return Number(h % BigInt(shards));
}

/** Go's divideRate: a positive rate over the shards, at least 1; others as they are. */
export function divideRate(value: number, shards: number): number {
  return value <= 0 ? value : Math.max(1, Math.trunc(value / shards));
}

/** A rate budget divided; an unset burst first becomes twice the undivided rate, as upstream's default. */
function divideBudget<B extends { burst_capacity: number }>(budget: B, rate: keyof B, shards: number): B {
  const perSecond = budget[rate] as number;
  const burst = budget.burst_capacity <= 0 && perSecond > 0 ? 2 * perSecond : budget.burst_capacity;
  return { ...budget, burst_capacity: burst, [rate]: divideRate(perSecond, shards) };
}

function divideShared<P extends SharedPolicyConfig>(policy: P, shards: number): P {
  return {
    ...policy,
    rate_limiting: divideBudget(policy.rate_limiting, 'spans_per_second', shards),
    bytes_limiting: divideBudget(policy.bytes_limiting, 'bytes_per_second', shards),
  };
}

const divideAndSubs = (subs: readonly AndSubPolicyConfig[], shards: number) => subs.map((sub) => divideShared(sub, shards));

function divideComposite(composite: CompositeConfig, shards: number): CompositeConfig {
  return {
    ...composite,
    max_total_spans_per_second: divideRate(composite.max_total_spans_per_second, shards),
    composite_sub_policy: composite.composite_sub_policy.map((sub) => ({
      ...divideShared(sub, shards), and: { and_sub_policy: divideAndSubs(sub.and.and_sub_policy, shards) },
    })),
  };
}

function dividePolicy(policy: PolicyConfig, shards: number): PolicyConfig {
  return {
    ...divideShared(policy, shards),
    composite: divideComposite(policy.composite, shards),
    and: { and_sub_policy: divideAndSubs(policy.and.and_sub_policy, shards) },
    not: { not_sub_policy: divideShared(policy.not.not_sub_policy, shards) },
    drop: { drop_sub_policy: divideAndSubs(policy.drop.drop_sub_policy, shards) },
  };
}

/** The config each of `shards` shards runs with. */
export function shardConfig(config: TailSamplingConfig, shards: number): TailSamplingConfig {
  if (shards <= 1) return config;
  return {
    ...config,
    num_traces: Math.max(1, Math.trunc(config.num_traces / shards)),
    expected_new_traces_per_sec: Math.trunc(config.expected_new_traces_per_sec / shards),
    decision_cache: {
      sampled_cache_size: divideRate(config.decision_cache.sampled_cache_size, shards),
      non_sampled_cache_size: divideRate(config.decision_cache.non_sampled_cache_size, shards),
    },
    policies: config.policies.map((policy) => dividePolicy(policy, shards)),
  };
}
