// One shard of the tail_sampling processor (upstream runs `num_shards` of them, each with its share of num_traces,
// of the decision caches and of the rate budgets; traces are spread over them by trace id): the traces it holds,
// when each falls due, its decision caches and its policies.
import { performance } from 'node:perf_hooks';
import type { TracePart } from '../otlp/by-trace.ts';
import { DecisionBatches, DecisionCache } from './decision-batches.ts';
import type { TailSamplingConfig } from './tail-sampling-config.ts';
import type { TailSamplingMetrics } from './tail-sampling-metrics.ts';
import { decide, decideOnIngest } from './tail-sampling-decision.ts';
import { policyEvaluator, type Decision, type Evaluator } from './tail-sampling-policies.ts';
import type { TraceData } from './tail-sampling-trace.ts';

export const TICK_MS = 1000;

interface HeldTrace {
  readonly key: string;
  readonly arrival: number;
  spanCount: number;
  bytes: number;
  entries: Uint8Array[];
  counts: number[];
  decision: Decision | undefined;
  /** When the policies decided it (a trace refused as too large has no decision time). */
  decidedAt: number | undefined;
  /** The decision batch it waits in (see DecisionBatches). */
  batch: number;
}

/** What one request did, counted once per request. */
export interface Tally {
  /** Parts of decided, kept traces: sent on at once. */
  readonly late: TracePart[];
  newTraces: number;
  releasedSampled: number;
  releasedNotSampled: number;
  /** Decisions made on ingest (sampling_strategy span-ingest). */
  readonly outcome: Outcome;
}

/** What one tick (or, on span ingest, one request) decided, over every shard. */
export interface Outcome {
  /** Spans of the traces sampled (by a tick). */
  readonly entries: Uint8Array[];
  readonly counts: number[];
  /** Per policy (in the shards' common order): decisions counted. */
  readonly perPolicy: Map<Decision, number>[];
  readonly global: Map<Decision, number>;
  tooEarly: number;
  errors: number;
}

interface Policy {
  readonly evaluate: Evaluator;
  executions: number;
  micros: number;
}

const add = (map: Map<Decision, number>, decision: Decision) => map.set(decision, (map.get(decision) ?? 0) + 1);

/** Drop policies first, as upstream orders them. */
export function orderedPolicies(config: TailSamplingConfig): TailSamplingConfig['policies'] {
  return [...config.policies.filter((policy) => policy.type === 'drop'), ...config.policies.filter((policy) => policy.type !== 'drop')];
}

export class SamplerShard {
  readonly #config: TailSamplingConfig;
  readonly #metrics: TailSamplingMetrics;
  readonly #policies: Policy[];
  readonly #drops: number;
  /** The policies' evaluators, each timed for upstream's execution count and time metrics. */
  readonly #timed: Evaluator[];
  readonly #traces = new Map<string, HeldTrace>();
  readonly #batches: DecisionBatches;
  /** decision_wait_after_root_received in ticks (0: off). */
  readonly #rootTicks: number;
  readonly #sampledCache: DecisionCache;
  readonly #notSampledCache: DecisionCache;
  /** sampling_strategy span-ingest: policies decide as spans arrive; what is still pending at the wait's end is not sampled. */
  readonly #onIngest: boolean;

  /** `config`: this shard's share (see shardConfig). */
  constructor(config: TailSamplingConfig, metrics: TailSamplingMetrics) {
    this.#config = config;
    this.#metrics = metrics;
    const ordered = orderedPolicies(config);
    this.#drops = ordered.filter((policy) => policy.type === 'drop').length;
    this.#policies = ordered.map((policy) => ({ evaluate: policyEvaluator(policy), executions: 0, micros: 0 }));
    this.#timed = this.#policies.map((policy) => (trace, now) => {
      const started = performance.now();
      const decision = policy.evaluate(trace, now);
      policy.executions++;
      policy.micros += (performance.now() - started) * 1000;
      return decision;
    });
    this.#rootTicks = config.decision_wait_after_root_received / TICK_MS;
    this.#batches = new DecisionBatches(Math.max(1, Math.trunc(config.decision_wait / TICK_MS)));
    this.#sampledCache = new DecisionCache(config.decision_cache.sampled_cache_size);
    this.#notSampledCache = new DecisionCache(config.decision_cache.non_sampled_cache_size);
    this.#onIngest = config.sampling_strategy === 'span-ingest';
  }

  get size(): number {
    return this.#traces.size;
  }

  get findsRoots(): boolean {
    return this.#rootTicks > 0;
  }

  /** Execution counts and microseconds per policy since the last call (then reset). */
  takeExecutions(): { executions: number; micros: number }[] {
    return this.#policies.map((policy) => {
      const taken = { executions: policy.executions, micros: policy.micros };
      policy.executions = 0;
      policy.micros = 0;
      return taken;
    });
  }

  /**
   * Whether the part can be taken now: with block_on_overflow, a new trace waits while num_traces are held (only a
   * decision cache lets decided traces leave, as upstream).
   */
  hasRoom(part: TracePart): boolean {
    return !this.#config.block_on_overflow || this.#traces.size < this.#config.num_traces || this.#traces.has(part.key)
      || this.#sampledCache.has(part.key) || this.#notSampledCache.has(part.key);
  }

  stop(): void {
    this.#batches.stop();
  }

  /** Decides the traces due now into `outcome`; whether more are due (only false once stopped and drained). */
  tick(now: number, outcome: Outcome): boolean {
    const { due, more } = this.#batches.tick();
    for (const key of due) {
      const trace = this.#traces.get(key);
      if (!trace) {
        outcome.tooEarly++;
        continue;
      }
      if (trace.decision !== undefined) continue;
      if (this.#onIngest) {
        trace.decision = 'not_sampled';
        trace.decidedAt = now;
        add(outcome.global, 'not_sampled');
        trace.entries = [];
        trace.counts = [];
        this.#release(trace, now);
        if (this.#traces.has(key)) this.#drop(trace, now);
        continue;
      }
      const data: TraceData = { id: Buffer.from(key, 'latin1'), entries: trace.entries, spanCount: trace.spanCount };
      const verdict = decide(this.#timed, this.#drops, data, now, this.#config.sample_on_first_match);
      verdict.decisions.forEach((decision, i) => {
        if (decision === undefined) outcome.errors++;
        else add(outcome.perPolicy[i]!, decision);
      });
      add(outcome.global, verdict.decision);
      trace.decision = verdict.decision;
      trace.decidedAt = now;
      if (verdict.decision === 'sampled') {
        outcome.entries.push(...trace.entries);
        outcome.counts.push(...trace.counts);
      }
      trace.entries = [];
      trace.counts = [];
      this.#release(trace, now);
    }
    return more;
  }

  receive(part: TracePart, now: number, tally: Tally): void {
    if (this.#sampledCache.has(part.key)) {
      tally.late.push(part);
      tally.releasedSampled += part.spans;
      return;
    }
    if (this.#notSampledCache.has(part.key)) {
      tally.releasedNotSampled += part.spans;
      return;
    }
    let trace = this.#traces.get(part.key);
    if (!trace) {
      if (this.#traces.size >= this.#config.num_traces && !this.#config.block_on_overflow) this.#evictOldest(now);
      trace = { key: part.key, arrival: now, spanCount: 0, bytes: 0, entries: [], counts: [], decision: undefined, decidedAt: undefined, batch: 0 };
      this.#traces.set(part.key, trace);
      trace.batch = this.#batches.add(part.key);
      tally.newTraces++;
    }
    if (part.root && this.#rootTicks > 0) trace.batch = this.#batches.moveEarlier(part.key, trace.batch, Math.trunc(this.#rootTicks));
    trace.spanCount += part.spans;
    trace.bytes += part.entry.length;
    const max = this.#config.maximum_trace_size_bytes;
    if (trace.decision === undefined && max > 0 && trace.bytes > max) {
      this.#metrics.tracesDroppedTooLarge().inc();
      trace.decision = 'not_sampled';
      trace.entries = [];
      trace.counts = [];
      this.#batches.remove(part.key);
      this.#release(trace, now);
      return;
    }
    if (trace.decision === undefined && this.#onIngest) return this.#ingest(trace, part, now, tally);
    if (trace.decision === undefined) {
      trace.entries.push(part.entry);
      trace.counts.push(part.spans);
      return;
    }
    if (trace.decision === 'sampled') tally.late.push(part);
    else this.#release(trace, now);
    if (trace.decidedAt !== undefined) this.#metrics.lateSpanAge().observe(Math.trunc((now - trace.decidedAt) / 1000));
  }

  /** span-ingest: the policies see this request's spans of the trace; a sampled trace goes on with what it held. */
  #ingest(trace: HeldTrace, part: TracePart, now: number, tally: Tally): void {
    const started = performance.now();
    const data: TraceData = { id: Buffer.from(part.key, 'latin1'), entries: [part.entry], spanCount: trace.spanCount };
    const verdict = decideOnIngest(this.#timed, this.#drops, data, now);
    const { outcome } = tally;
    verdict.decisions.forEach((decision, i) => {
      if (decision === undefined) outcome.errors++;
      else add(outcome.perPolicy[i]!, decision);
    });
    this.#metrics.decisionTimerLatency.observe(Math.trunc(performance.now() - started));
    if (verdict.decision === undefined) {
      trace.entries.push(part.entry);
      trace.counts.push(part.spans);
      return;
    }
    add(outcome.global, verdict.decision);
    trace.decision = verdict.decision;
    trace.decidedAt = now;
    if (verdict.decision === 'sampled') {
      trace.entries.forEach((entry, i) => tally.late.push({ key: part.key, entry, spans: trace.counts[i]!, root: false }));
      tally.late.push(part);
    }
    trace.entries = [];
    trace.counts = [];
    this.#release(trace, now);
  }

  /** Puts a decided trace in its decision cache; one that the cache holds is no longer kept here. */
  #release(trace: HeldTrace, now: number): void {
    const cache = trace.decision === 'sampled' ? this.#sampledCache : this.#notSampledCache;
    cache.put(trace.key);
    if (cache.has(trace.key)) this.#drop(trace, now);
  }

  #evictOldest(now: number): void {
    const oldest = this.#traces.values().next().value;
    if (oldest) this.#drop(oldest, now);
  }

  #drop(trace: HeldTrace, now: number): void {
    this.#traces.delete(trace.key);
    this.#metrics.traceRemovalAge().observe(Math.trunc((now - trace.arrival) / 1000));
  }
}
