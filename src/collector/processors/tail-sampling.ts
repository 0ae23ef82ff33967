// tail_sampling processor, as upstream's (contrib tailsamplingprocessor v0.161.0, the trace-complete strategy): the
// spans of each trace are held, still encoded, for `decision_wait`; then the policies decide the trace once (kept
// when any policy samples it) and a kept trace's spans go on. Spans arriving after the decision follow it (from the
// decision cache, or from the decided trace while it is still held). At most `num_traces` traces are held: a new
// trace beyond that evicts the oldest, and an evicted trace still waiting counts as dropped too early when its
// decision falls due. Every request is accepted at once, as upstream does. Decisions are made on a one-second tick
// of the collector's clock (tests drive it), in each of `num_shards` shards (tail-sampling-shard.ts).
import { performance } from 'node:perf_hooks';
import type { ComponentContext, Consumer, Lifecycle, Payload, ProcessorFactory } from '../component.ts';
import { splitByTrace } from '../otlp/by-trace.ts';
import { rememberCounts, requestSize } from '../otlp/scan.ts';
import { systemClock, type Clock } from '../exporters/retry-sender.ts';
import { tailSamplingConfigSchema, type TailSamplingConfig } from './tail-sampling-config.ts';
import { decisionLabels, tailSamplingMetrics, type TailSamplingMetrics } from './tail-sampling-metrics.ts';
import { orderedPolicies, SamplerShard, TICK_MS, type Outcome, type Tally } from './tail-sampling-shard.ts';
import { shardConfig, traceShard } from './tail-sampling-shards.ts';

export class TailSampler implements Consumer, Lifecycle {
  readonly #config: TailSamplingConfig;
  readonly #next: Consumer;
  readonly #ctx: ComponentContext;
  readonly #clock: Clock;
  readonly #metrics: TailSamplingMetrics;
  readonly #shards: SamplerShard[];
  /** Upstream's `policy` label of each policy (in the shards' order): its name, prefixed with the processor's name. */
  readonly #labels: string[];
  readonly #sending = new Set<Promise<void>>();
  /** block_on_overflow: the requests waiting for room, in order, and the waiters for the next tick. */
  #blocked: Promise<void> = Promise.resolve();
  readonly #tickWaiters: (() => void)[] = [];
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;

  constructor(ctx: ComponentContext, config: TailSamplingConfig, next: Consumer, clock: Clock = systemClock) {
    this.#ctx = ctx;
    this.#config = config;
    this.#next = next;
    this.#clock = clock;
    this.#metrics = tailSamplingMetrics(ctx.telemetry);
    const name = ctx.id.includes('/') ? ctx.id.slice(ctx.id.indexOf('/') + 1) : '';
    this.#labels = orderedPolicies(config).map((policy) => (name === '' ? policy.name : `${name}.${policy.name}`));
    const shards = Math.max(1, config.num_shards);
    const share = shardConfig(config, shards);
    this.#shards = Array.from({ length: shards }, () => new SamplerShard(share, this.#metrics));
  }

  async start(): Promise<void> {
    const signal = this.#stop.signal;
    this.#loop = (async () => {
      let next = this.#clock.now();
      for (;;) {
        // A fixed period, as Go's ticker upstream: the time each tick takes does not delay the later ones (with 10
        // batches of 1,000 traces that delay added 0.2-0.5 s to every decision).
        next += TICK_MS;
        try {
          await this.#clock.sleep(Math.max(0, next - this.#clock.now()), signal);
        } catch {
          return;
        }
        // A whole period late (a long tick, a stalled process): the missed ticks are dropped, as a ticker drops them.
        if (this.#clock.now() - next >= TICK_MS) next = this.#clock.now();
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
    for (const resolve of this.#tickWaiters.splice(0)) resolve();
    if (!this.#config.drop_pending_traces_on_shutdown) {
      for (const shard of this.#shards) shard.stop();
      while (this.tick()) { /* every batch left, the current one last */ }
    }
    const left = Math.max(0, deadline - Date.now());
    await Promise.race([Promise.allSettled([...this.#sending]), new Promise((resolve) => setTimeout(resolve, left).unref())]);
  }

  consume(payload: Payload): void | Promise<void> {
    const parts = payload.resources.flatMap((entry) => splitByTrace(entry, this.#shards[0]!.findsRoots));
    if (!this.#config.block_on_overflow) {
      const tally = this.#tally();
      for (const part of parts) this.#shardOf(part.key).receive(part, this.#clock.now(), tally);
      return this.#settle(tally);
    }
    // Blocking: requests are taken in order, each waiting for ticks to make room for its new traces.
    const taken = this.#blocked.then(async () => {
      let tally = this.#tally();
      for (const part of parts) {
        while (!this.#shardOf(part.key).hasRoom(part)) {
          if (this.#stop.signal.aborted) throw new Error('tail_sampling: shut down while waiting for room for new traces');
          this.#settle(tally);
          tally = this.#tally();
          await new Promise<void>((resolve) => this.#tickWaiters.push(resolve));
        }
        this.#shardOf(part.key).receive(part, this.#clock.now(), tally);
      }
      this.#settle(tally);
    });
    this.#blocked = taken.catch(() => undefined);
    return taken;
  }

  #shardOf(key: string): SamplerShard {
    const shards = this.#shards;
    return shards.length === 1 ? shards[0]! : shards[traceShard(key, shards.length)]!;
  }

  #tally(): Tally {
    return { late: [], newTraces: 0, releasedSampled: 0, releasedNotSampled: 0, outcome: this.#outcome() };
  }

  /** Counts what requests did and sends on the spans of traces already kept. */
  #settle(tally: Tally): void {
    const metrics = this.#metrics;
    metrics.newTraceIdReceived.inc(tally.newTraces);
    if (tally.releasedSampled > 0) metrics.earlyReleasesFromCacheDecision.labels({ sampled: 'true' }).inc(tally.releasedSampled);
    if (tally.releasedNotSampled > 0) metrics.earlyReleasesFromCacheDecision.labels({ sampled: 'false' }).inc(tally.releasedNotSampled);
    this.#record(tally.outcome);
    this.#send(tally.late.map((part) => part.entry), tally.late.map((part) => part.spans));
  }

  /** Decides the traces due now in every shard; whether more are due (only false once stopped and drained). */
  tick(): boolean {
    const started = performance.now();
    const now = this.#clock.now();
    const outcome = this.#outcome();
    let more = false;
    for (const shard of this.#shards) more = shard.tick(now, outcome) || more;
    for (const resolve of this.#tickWaiters.splice(0)) resolve();
    this.#send(outcome.entries, outcome.counts);
    const metrics = this.#metrics;
    metrics.decisionTimerLatency.observe(Math.trunc(performance.now() - started));
    metrics.tracesOnMemory.set(this.#shards.reduce((sum, shard) => sum + shard.size, 0));
    metrics.traceDroppedTooEarly.inc(outcome.tooEarly);
    this.#record(outcome);
    const executions = this.#shards.map((shard) => shard.takeExecutions());
    this.#labels.forEach((policy, i) => {
      metrics.policyExecutionTimeSum.labels({ policy }).inc(Math.trunc(executions.reduce((sum, shard) => sum + shard[i]!.micros, 0)));
      metrics.policyExecutionCount.labels({ policy }).inc(executions.reduce((sum, shard) => sum + shard[i]!.executions, 0));
    });
    return more;
  }

  #outcome(): Outcome {
    return { entries: [], counts: [], perPolicy: this.#labels.map(() => new Map()), global: new Map(), tooEarly: 0, errors: 0 };
  }

  /** Counts decisions: per policy, in all, and the policies that failed. */
  #record(outcome: Outcome): void {
    const metrics = this.#metrics;
    metrics.policyEvaluationError.inc(outcome.errors);
    for (const [decision, count] of outcome.global) metrics.globalCountTracesSampled.labels(decisionLabels(decision)).inc(count);
    this.#labels.forEach((policy, i) => {
      for (const [decision, count] of outcome.perPolicy[i]!) {
        // Labels in upstream's (alphabetical) order: prom-client writes them in the order given.
        const labels = decisionLabels(decision);
        metrics.countTracesSampled.labels({ decision: labels.decision, policy, sampled: labels.sampled }).inc(count);
      }
    });
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
