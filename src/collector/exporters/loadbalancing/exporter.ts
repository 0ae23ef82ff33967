// `loadbalancing` exporter (contrib loadbalancingexporter v0.161.0, traces): routes each trace (or each service) to
// one backend on a consistent-hash ring over the endpoints a resolver reports, through one otlp gRPC exporter per
// backend (protocol.otlp, with its own sending queue and retry). When the resolver reports a new set, the ring is
// rebuilt, exporters of new endpoints are started and those of removed ones drained. Unlike upstream, a trace routed
// recently keeps going to the backend that got its first spans while that backend is on the ring or terminating but
// still serving (trace-pins.ts), so scaling the backends does not split traces; new traces follow the new ring.
import type { ComponentContext, ExporterFactory, Payload } from '../../component.ts';
import { Telemetry, type ExporterMetrics } from '../../telemetry.ts';
import { ExportError } from '../retry.ts';
import { createOtlpGrpcExporter } from '../otlp-grpc.ts';
import type { Exporter } from '../exporter-helper.ts';
import { endpointWithPort, loadBalancingConfigSchema, type LoadBalancingConfig } from './config.ts';
import { HashRing } from './hash-ring.ts';
import { loadBalancerMetrics, type LoadBalancerMetrics } from './metrics.ts';
import { createResolver, sameList, type Resolver } from './resolvers.ts';
import { route, RoutingError } from './routing.ts';
import { pinSettingsFromEnv, TracePins, type PinSettings } from './trace-pins.ts';

/** How long a removed backend may take to drain its queue. */
const REMOVED_BACKEND_DRAIN_MS = 30_000;

export class LoadBalancingExporter {
  readonly #ctx: ComponentContext;
  readonly #cfg: LoadBalancingConfig;
  readonly #metrics: LoadBalancerMetrics;
  readonly #exported: ExporterMetrics;
  readonly #resolver: Resolver;
  readonly #backends = new Map<string, Exporter>();
  readonly #draining = new Set<Promise<void>>();
  readonly #pins: TracePins | undefined;
  #ring = new HashRing([]);
  #terminating: readonly string[] = [];

  /**
   * `resolver`: tests drive the backend set through one of their own. `pins`: false routes as upstream (every span
   * where the current ring says); pins apply to routing_key traceID only.
   */
  constructor(ctx: ComponentContext, cfg: LoadBalancingConfig, resolver?: Resolver, pins: PinSettings | false = pinSettingsFromEnv(process.env)) {
    this.#ctx = ctx;
    this.#cfg = cfg;
    const metrics = loadBalancerMetrics(ctx.telemetry);
    this.#metrics = metrics;
    this.#exported = ctx.telemetry.exporter(ctx.id);
    this.#resolver = resolver ?? createResolver(cfg.resolver, this.#metrics, ctx.logger);
    if (pins !== false && cfg.routing_key === 'traceID') {
      this.#pins = new TracePins(pins, { evicted: () => metrics.tracePinsEvicted.inc(), moved: () => metrics.tracePinsMoved.inc() });
    }
  }

  /** The endpoints on the current ring, in ring order (tests, logs). */
  get endpoints(): readonly string[] {
    return this.#ring.endpoints;
  }

  async start(): Promise<void> {
    let pending: Promise<void> = Promise.resolve();
    await this.#resolver.start((endpoints, draining = []) => {
      // One change at a time, in order; a failed one is logged and the next still applies.
      pending = pending.then(() => this.#onBackends(endpoints, draining)).catch((error: unknown) =>
        this.#ctx.logger.error({ error: (error as Error).message }, 'failed to apply the new backends'));
    });
    await pending;
  }

  async #onBackends(endpoints: readonly string[], draining: readonly string[]): Promise<void> {
    const ring = new HashRing(endpoints);
    // Without pins a terminating backend gets nothing more, as upstream.
    const kept = this.#pins ? draining : [];
    if (ring.equals(this.#ring) && sameList(kept, this.#terminating)) return;
    const wanted = new Set([...endpoints, ...kept].map(endpointWithPort));
    for (const endpoint of wanted) {
      if (this.#backends.has(endpoint)) continue;
      // As upstream, the backends' own otelcol_exporter_* are silenced (a registry nobody reads); the items are
      // counted once, at this exporter, as handed to a backend.
      const backend = createOtlpGrpcExporter({ ...this.#ctx, telemetry: new Telemetry() }, { ...this.#cfg.protocol.otlp, endpoint });
      try {
        await backend.start?.();
        this.#backends.set(endpoint, backend);
      } catch (error) {
        this.#ctx.logger.error({ endpoint, error: (error as Error).message }, 'failed to start new exporter for endpoint');
      }
    }
    this.#ring = ring;
    this.#terminating = kept;
    this.#pins?.setServing(new Set([...endpoints, ...kept]));
    this.#ctx.logger.info({ endpoints: ring.endpoints, draining: kept }, 'load balancer backends changed');
    for (const [endpoint, backend] of this.#backends) {
      if (wanted.has(endpoint)) continue;
      this.#backends.delete(endpoint);
      const drained = (backend.shutdown?.(Date.now() + REMOVED_BACKEND_DRAIN_MS) ?? Promise.resolve()).catch((error: unknown) =>
        this.#ctx.logger.error({ endpoint, error: (error as Error).message }, 'failed to shut down removed exporter'));
      this.#draining.add(drained);
      void drained.finally(() => this.#draining.delete(drained));
    }
  }

  async consume(payload: Payload): Promise<void> {
    let routes;
    try {
      routes = route(this.#ring, this.#cfg.routing_key, payload.resources, this.#pins);
      if (this.#pins) this.#metrics.tracePins.set(this.#pins.size);
    } catch (error) {
      if (error instanceof RoutingError) throw new ExportError(error.message, true);
      throw error;
    }
    const sends = [...routes].map(async ([endpoint, { resources, items }]) => {
      const backend = this.#backends.get(endpointWithPort(endpoint));
      if (!backend) {
        const error = new ExportError(`couldn't find the exporter for the endpoint "${endpoint}"`, true);
        this.#exported.sendFailed(payload.signal, items, error);
        throw error;
      }
      const started = performance.now();
      try {
        await backend.consume({ signal: payload.signal, resources, items, bytes: resources.reduce((sum, r) => sum + r.length, 0) });
        this.#metrics.backendOutcome.inc({ success: 'true' });
        this.#exported.sent(payload.signal, items);
      } catch (error) {
        this.#metrics.backendOutcome.inc({ success: 'false' });
        this.#exported.sendFailed(payload.signal, items, error);
        throw error;
      } finally {
        this.#metrics.backendLatency.observe({ endpoint }, Math.round(performance.now() - started));
      }
    });
    const results = await Promise.allSettled(sends);
    const failed = results.filter((result) => result.status === 'rejected').map((result) => result.reason as unknown);
    // Refused for good when one backend refused for good (a retry could not help it), else retryable.
    const permanent = failed.find((error) => !(error instanceof ExportError) || !error.retryable);
    if (failed.length > 0) throw permanent ?? failed[0];
  }

  async shutdown(deadline: number): Promise<void> {
    this.#resolver.shutdown();
    await Promise.all([...this.#backends.values()].map((backend) => backend.shutdown?.(deadline)));
    this.#backends.clear();
    await Promise.all(this.#draining);
  }
}

export const loadBalancingExporterFactory: ExporterFactory<LoadBalancingConfig> = {
  type: 'loadbalancing',
  signals: ['traces'],
  configSchema: loadBalancingConfigSchema,
  create: (ctx, cfg) => new LoadBalancingExporter(ctx, cfg),
};
