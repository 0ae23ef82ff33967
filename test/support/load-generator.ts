// A span load generator built on the official OpenTelemetry JS SDK: spans made by a real tracer and sent
// by the official OTLP/gRPC trace exporter, one exporter per target (a collector pod's `ip:4317`). Every
// tick it asks for the current targets (the pods serving now), takes the spans the rate schedule owes and
// spreads them evenly over the targets. It counts spans acknowledged and failed (optionally remembering
// the acknowledged span ids, for exactly-once checks at a sink) and is bounded in spans, time and
// concurrent exports.
import type { Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { isLocalTestAddress } from '../cluster/addresses.ts';
import { rateAt, scheduleSeconds, spansDue, spread, type Phase } from './load-schedule.ts';

export interface LoadOptions {
  /** gRPC endpoints (`ip:port`: loopback or the real node's range only) to spread spans over; asked every tick. */
  targets: () => readonly string[];
  schedule: readonly Phase[];
  /** Hard bound on spans generated. */
  maxSpans: number;
  /** Hard bound on run time (default: the schedule's length plus 10 s). */
  maxSeconds?: number;
  tickMs?: number;
  /** Remember the ids of acknowledged spans (`ackedIds`). */
  recordIds?: boolean;
  seed?: number;
  /** Per-export timeout of the SDK exporter, retries included. */
  exportTimeoutMs?: number;
  /** Exports in flight per target beyond which spans are not generated (counted in `backlogged`). */
  maxInFlightPerTarget?: number;
  /** Each span also carries a string attribute `load.payload` of this many bytes (memory tests). */
  payloadBytes?: number;
}

export interface LoadStats {
  /** Seconds since start. */
  elapsed: number;
  /** The schedule's rate now (spans/s) and its phase. */
  rate: number;
  phase: string;
  generated: number;
  /** Spans the collectors acknowledged. */
  acked: number;
  /** Spans whose export failed (after the SDK's own retries). */
  failed: number;
  inFlight: number;
  /** Spans owed while no target was serving, or while exports were backed up: never generated. */
  backlogged: number;
  targets: number;
  done: boolean;
}

class Capture implements SpanProcessor {
  spans: ReadableSpan[] = [];
  onStart(_span: Span, _context: Context): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface Target {
  exporter: OTLPTraceExporter;
  inFlight: number;
}

const ROUTES = ['/api/cart', '/api/checkout', '/api/items/{id}', '/api/search', '/api/user'];

export class LoadGenerator {
  readonly ackedIds = new Set<string>();
  readonly #opts: LoadOptions;
  readonly #capture = new Capture();
  readonly #provider: BasicTracerProvider;
  readonly #targets = new Map<string, Target>();
  readonly #stats: Omit<LoadStats, 'elapsed' | 'inFlight' | 'targets'> = {
    rate: 0, phase: '', generated: 0, acked: 0, failed: 0, backlogged: 0, done: false,
  };
  readonly #exports = new Set<Promise<void>>();
  readonly #payload: Record<string, string>;
  #startedAt = 0;
  #owed = 0;
  #offset = 0;
  #timer: NodeJS.Timeout | undefined;
  #lastTick = 0;
  #finish!: () => void;
  /** Resolves when the schedule is over (or a bound hit) and every export has settled. */
  readonly done: Promise<void>;

  constructor(opts: LoadOptions) {
    this.#opts = opts;
    this.#provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'load-generator', 'service.instance.id': `lg-${process.pid}` }),
      spanProcessors: [this.#capture],
    });
    this.done = new Promise((resolve) => (this.#finish = resolve));
    this.#payload = opts.payloadBytes ? { 'load.payload': 'x'.repeat(opts.payloadBytes) } : {};
  }

  start(): this {
    this.#startedAt = performance.now();
    this.#lastTick = this.#startedAt;
    this.#timer = setInterval(() => this.#tick(), this.#opts.tickMs ?? 100);
    return this;
  }

  /** Stops generating now and waits for exports in flight. */
  async stop(): Promise<void> {
    if (!this.#stats.done) await this.#end();
    await this.done;
  }

  stats(): LoadStats {
    let inFlight = 0;
    for (const t of this.#targets.values()) inFlight += t.inFlight;
    return { ...this.#stats, elapsed: (performance.now() - this.#startedAt) / 1000, inFlight, targets: this.#targets.size };
  }

  #tick(): void {
    const now = performance.now();
    const elapsed = (now - this.#startedAt) / 1000;
    const dt = (now - this.#lastTick) / 1000;
    this.#lastTick = now;
    const maxSeconds = this.#opts.maxSeconds ?? scheduleSeconds(this.#opts.schedule) + 10;
    const scheduled = rateAt(this.#opts.schedule, elapsed, this.#opts.seed);
    if (!scheduled || elapsed >= maxSeconds || this.#stats.generated >= this.#opts.maxSpans) {
      void this.#end();
      return;
    }
    this.#stats.rate = scheduled.rate;
    this.#stats.phase = scheduled.label;
    const due = spansDue(this.#owed, scheduled.rate, dt);
    this.#owed = due.owed;
    const count = Math.min(due.count, this.#opts.maxSpans - this.#stats.generated);

    // Loopback only: a target elsewhere is never connected to.
    const endpoints = this.#opts.targets().filter((e) => isLocalTestAddress(e.slice(0, Math.max(e.lastIndexOf(':'), 0)).replace(/^\[|\]$/g, '')));
    this.#retire(endpoints);
    const limit = this.#opts.maxInFlightPerTarget ?? 16;
    const open = endpoints.filter((e) => (this.#targets.get(e)?.inFlight ?? 0) < limit);
    if (open.length === 0) {
      this.#stats.backlogged += count;
      return;
    }
    const shares = spread(count, open.length, this.#offset++);
    this.#stats.backlogged += due.count - count;
    open.forEach((endpoint, i) => {
      if (shares[i]! > 0) this.#send(endpoint, shares[i]!);
    });
  }

  #send(endpoint: string, count: number): void {
    const tracer = this.#provider.getTracer('load-generator', '1.0.0');
    for (let i = 0; i < count; i++) {
      const seq = this.#stats.generated + i;
      tracer
        .startSpan(`GET ${ROUTES[seq % ROUTES.length]}`, {
          attributes: {
            'http.request.method': 'GET', 'http.route': ROUTES[seq % ROUTES.length]!, 'http.response.status_code': 200, 'load.seq': seq, ...this.#payload,
          },
        })
        .end();
    }
    this.#stats.generated += count;
    const spans = this.#capture.spans;
    this.#capture.spans = [];
    const target = this.#target(endpoint);
    target.inFlight++;
    const run = new Promise<void>((resolve) => {
      target.exporter.export(spans, (result) => {
        target.inFlight--;
        if (result.code === 0) {
          this.#stats.acked += spans.length;
          if (this.#opts.recordIds) for (const span of spans) this.ackedIds.add(span.spanContext().spanId);
        } else {
          this.#stats.failed += spans.length;
        }
        resolve();
      });
    });
    this.#exports.add(run);
    void run.then(() => this.#exports.delete(run));
  }

  #target(endpoint: string): Target {
    let target = this.#targets.get(endpoint);
    if (!target) {
      target = {
        exporter: new OTLPTraceExporter({ url: `http://${endpoint}`, timeoutMillis: this.#opts.exportTimeoutMs ?? 5000 }),
        inFlight: 0,
      };
      this.#targets.set(endpoint, target);
    }
    return target;
  }

  /** Exporters of targets no longer listed are shut down once their exports have settled. */
  #retire(current: readonly string[]): void {
    for (const [endpoint, target] of this.#targets) {
      if (current.includes(endpoint) || target.inFlight > 0) continue;
      this.#targets.delete(endpoint);
      void target.exporter.shutdown();
    }
  }

  async #end(): Promise<void> {
    if (this.#stats.done) return;
    this.#stats.done = true;
    clearInterval(this.#timer);
    this.#stats.rate = 0;
    await Promise.allSettled([...this.#exports]);
    await Promise.allSettled([...this.#targets.values()].map((t) => t.exporter.shutdown()));
    this.#targets.clear();
    await this.#provider.shutdown();
    this.#finish();
  }
}
