// tail_sampling processor, as upstream's (contrib tailsamplingprocessor v0.161.0, the trace-complete strategy): the
// spans of each trace are held, still encoded, for `decision_wait`; then the policies decide the trace once (kept
// when any policy samples it) and a kept trace's spans go on. Spans arriving after the decision follow it (from the
// decision cache, or from the decided trace while it is still held). At most `num_traces` traces are held: a new
// trace beyond that evicts the oldest, and an evicted trace still waiting counts as dropped too early when its
// decision falls due. Every request is accepted at once, as upstream does. Decisions are made on a one-second tick
// of the collector's clock (tests drive it).
import { performance } from 'node:perf_hooks';
import type { ComponentContext, Consumer, Lifecycle, Payload, ProcessorFactory } from '../component.ts';
import { splitByTrace, type TracePart } from '../otlp/by-trace.ts';
import { rememberCounts, requestSize } from '../otlp/scan.ts';
import { systemClock, type Clock } from '../exporters/retry-sender.ts';
import { DecisionBatches, DecisionCache } from './decision-batches.ts';
import { tailSamplingConfigSchema, type TailSamplingConfig } from './tail-sampling-config.ts';
import { decisionLabels, tailSamplingMetrics, type TailSamplingMetrics } from './tail-sampling-metrics.ts';
import { decide, policyEvaluator, type Decision, type Evaluator } from './tail-sampling-policies.ts';
import type { TraceData } from './tail-sampling-trace.ts';

const TICK_MS = 1000;

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
interface Tally {
  /** Parts of decided, kept traces: sent on at once. */
  readonly late: TracePart[];
  newTraces: number;
  releasedSampled: number;
  releasedNotSampled: number;
}

interface Policy {
  readonly evaluate: Evaluator;
  /** Upstream's `policy` label: the policy name, prefixed with the processor's name when it has one. */
  readonly label: string;
  executions: number;
  micros: number;
}

export class TailSampler implements Consumer, Lifecycle {
  readonly #config: TailSamplingConfig;
  readonly #next: Consumer;
  readonly #ctx: ComponentContext;
  readonly #clock: Clock;
  readonly #metrics: TailSamplingMetrics;
  readonly #policies: Policy[];
  /** How many of the policies (the first ones) are drop policies. */
  readonly #drops: number;
  /** The policies' evaluators, each timed for upstream's execution count and time metrics. */
  readonly #timed: Evaluator[];
  readonly #traces = new Map<string, HeldTrace>();
  readonly #batches: DecisionBatches;
  /** decision_wait_after_root_received in ticks (0: off). */
  readonly #rootTicks: number;
  readonly #sampledCache: DecisionCache;
  readonly #notSampledCache: DecisionCache;
  readonly #sending = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(ctx: ComponentContext, config: TailSamplingConfig, next: Consumer, clock: Clock = systemClock) {
    this.#ctx = ctx;
    this.#config = config;
    this.#next = next;
    this.#clock = clock;
    this.#metrics = tailSamplingMetrics(ctx.telemetry);
    const name = ctx.id.includes('/') ? ctx.id.slice(ctx.id.indexOf('/') + 1) : '';
    // Drop policies first, as upstream orders them.
    const ordered = [...config.policies.filter((policy) => policy.type === 'drop'), ...config.policies.filter((policy) => policy.type !== 'drop')];
    this.#drops = ordered.length - config.policies.filter((policy) => policy.type !== 'drop').length;
    this.#policies = ordered.map((policy) => ({
      evaluate: policyEvaluator(policy), label: name === '' ? policy.name : `${name}.${policy.name}`, executions: 0, micros: 0,
    }));
    this.#timed = this.#policies.map((policy) => (trace, now) => {
      const started = performance.now();
      const decision = policy.evaluate(trace, now);
      policy.executions++;
      policy.micros += (performance.now() - started) * 1000;
      return decision;
    });
    this.#rootTicks = config.decision_wait_after_root_received / TICK_MS;
    this.#batches = new DecisionBatches(Math.max(1, Math.trunc(config.decision_wait / 1000)));
    this.#sampledCache = new DecisionCache(config.decision_cache.sampled_cache_size);
    this.#notSampledCache = new DecisionCache(config.decision_cache.non_sampled_cache_size);
  }

  async start(): Promise<void> {
    const signal = this.#stop.signal;
    this.#loop = (async () => {
      for (;;) {
        try {
          await this.#clock.sleep(TICK_MS, signal);
        } catch {
          return;
        }
        try {
          this.tick();
        } catch (error) {
          this.#ctx.logger.error({ err: error }, 'Sampling decision tick failed');
        }
      }
    })();
  }

  async shutdown(deadline: number): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    if (!this.#config.drop_pending_traces_on_shutdown) {
      this.#batches.stop();
      while (this.tick()) { /* every batch left, the current one last */ }
    }
    const left = Math.max(0, deadline - Date.now());
    await Promise.race([Promise.allSettled([...this.#sending]), new Promise((resolve) => setTimeout(resolve, left).unref())]);
  }

  consume(payload: Payload): void {
    const tally: Tally = { late: [], newTraces: 0, releasedSampled: 0, releasedNotSampled: 0 };
    for (const entry of payload.resources) {
      for (const part of splitByTrace(entry, this.#rootTicks > 0)) this.#receive(part, tally);
    }
    const metrics = this.#metrics;
    metrics.newTraceIdReceived.inc(tally.newTraces);
    if (tally.releasedSampled > 0) metrics.earlyReleasesFromCacheDecision.labels({ sampled: 'true' }).inc(tally.releasedSampled);
    if (tally.releasedNotSampled > 0) metrics.earlyReleasesFromCacheDecision.labels({ sampled: 'false' }).inc(tally.releasedNotSampled);
    this.#send(tally.late.map((part) => part.entry), tally.late.map((part) => part.spans));
  }

  /** Decides the traces due now; whether more are due (only false once stopped and drained). */
  tick(): boolean {
    const started = performance.now();
    const now = this.#clock.now();
    const { due, more } = this.#batches.tick();
    const perPolicy = this.#policies.map(() => new Map<Decision, number>());
    const global = new Map<Decision, number>();
    let tooEarly = 0;
    let errors = 0;
    const entries: Uint8Array[] = [];
    const counts: number[] = [];
    for (const key of due) {
      const trace = this.#traces.get(key);
      if (!trace) {
        tooEarly++;
        continue;
      }
      if (trace.decision !== undefined) continue;
      const data: TraceData = { id: Buffer.from(key, 'latin1'), entries: trace.entries, spanCount: trace.spanCount };
      const verdict = decide(this.#timed, this.#drops, data, now, this.#config.sample_on_first_match);
      verdict.decisions.forEach((decision, i) => {
        if (decision === undefined) errors++;
        else perPolicy[i]!.set(decision, (perPolicy[i]!.get(decision) ?? 0) + 1);
      });
      global.set(verdict.decision, (global.get(verdict.decision) ?? 0) + 1);
      trace.decision = verdict.decision;
      trace.decidedAt = now;
      if (verdict.decision === 'sampled') {
        entries.push(...trace.entries);
        counts.push(...trace.counts);
      }
      trace.entries = [];
      trace.counts = [];
      this.#release(trace);
    }
    this.#send(entries, counts);
    const metrics = this.#metrics;
    metrics.decisionTimerLatency.observe(Math.trunc(performance.now() - started));
    metrics.tracesOnMemory.set(this.#traces.size);
    metrics.traceDroppedTooEarly.inc(tooEarly);
    metrics.policyEvaluationError.inc(errors);
    for (const [decision, count] of global) metrics.globalCountTracesSampled.labels(decisionLabels(decision)).inc(count);
    this.#policies.forEach((policy, i) => {
      for (const [decision, count] of perPolicy[i]!) {
        // Labels in upstream's (alphabetical) order: prom-client writes them in the order given.
        const labels = decisionLabels(decision);
        metrics.countTracesSampled.labels({ decision: labels.decision, policy: policy.label, sampled: labels.sampled }).inc(count);
      }
      metrics.policyExecutionTimeSum.labels({ policy: policy.label }).inc(Math.trunc(policy.micros));
      metrics.policyExecutionCount.labels({ policy: policy.label }).inc(policy.executions);
      policy.micros = 0;
      policy.executions = 0;
    });
    return more;
  }

  #receive(part: TracePart, tally: Tally): void {
    if (this.#sampledCache.has(part.key)) {
      tally.late.push(part);
      tally.releasedSampled += part.spans;
      return;
    }
    if (this.#notSampledCache.has(part.key)) {
      tally.releasedNotSampled += part.spans;
      return;
    }
    const now = this.#clock.now();
    let trace = this.#traces.get(part.key);
    if (!trace) {
      if (this.#traces.size >= this.#config.num_traces) this.#evictOldest(now);
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
      this.#release(trace);
      return;
    }
    if (trace.decision === undefined) {
      trace.entries.push(part.entry);
      trace.counts.push(part.spans);
      return;
    }
    if (trace.decision === 'sampled') tally.late.push(part);
    else this.#release(trace);
    if (trace.decidedAt !== undefined) this.#metrics.lateSpanAge().observe(Math.trunc((now - trace.decidedAt) / 1000));
  }

  /** Puts a decided trace in its decision cache; one that the cache holds is no longer kept here. */
  #release(trace: HeldTrace): void {
    const cache = trace.decision === 'sampled' ? this.#sampledCache : this.#notSampledCache;
    cache.put(trace.key);
    if (cache.has(trace.key)) this.#drop(trace, this.#clock.now());
  }

  #evictOldest(now: number): void {
    const oldest = this.#traces.values().next().value;
    if (oldest) this.#drop(oldest, now);
  }

  #drop(trace: HeldTrace, now: number): void {
    this.#traces.delete(trace.key);
    this.#metrics.traceRemovalAge().observe(Math.trunc((now - trace.arrival) / 1000));
  }

  #send(entries: Uint8Array[], counts: number[]): void {
    if (entries.length === 0) return;
    rememberCounts(entries, counts);
    const payload: Payload = { signal: 'traces', resources: entries, items: counts.reduce((a, b) => a + b, 0), bytes: requestSize(entries) };
    const sent = (async () => {
      try {
        await this.#next.consume(payload);
      } catch (error) {
        this.#ctx.logger.warn({ err: error }, 'Error sending spans to destination');
      }
    })();
    this.#sending.add(sent);
    void sent.finally(() => this.#sending.delete(sent));
  }
}

export const tailSamplingProcessorFactory: ProcessorFactory<TailSamplingConfig> = {
  type: 'tail_sampling',
  signals: ['traces'],
  configSchema: tailSamplingConfigSchema,
  create: (ctx, config, _signal, next) => new TailSampler(ctx, config, next),
};
