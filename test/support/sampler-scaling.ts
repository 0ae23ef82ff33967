// The sampling tier going 2 -> 4 -> 2 under steady load, with real processes and the real API server: one routing
// `tpo collector` (loadbalancing exporter, k8s resolver over the EndpointSlices this writes) in front of up to four
// sampler `tpo collector`s (tail_sampling), each exporting to its own OTLP sink. The OpenTelemetry JS SDK sends
// traces whose spans end over several seconds, so traces are in flight at every change. The slices name pod
// addresses (the API server refuses loopback ones); the routing collector reaches them through PodAddressProxy.
// Scale-down goes as in a cluster: the leaving samplers' endpoints turn terminating but serving (a preStop wait as
// long as a trace lasts), are sent SIGTERM while their last traces still wait for their decision (tail_sampling
// decides what is pending at shutdown, as upstream's does unless drop_pending_traces_on_shutdown), and leave the
// slice when they have exited. Shared by the integration test and bench/loadbalancing.
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { decodeRequest } from '../../src/collector/otlp/index.ts';
import { startCollectorProcess, type CollectorProcess } from './collector-process.ts';
import { freePorts } from './free-port.ts';
import { PodAddressProxy } from './connect-proxy.ts';
import { OtlpSink } from './otlp-sink.ts';

const SERVICE = 'samplers';
const SAMPLERS = 4;
/** Unassigned addresses of the real node's pod range; only ever dialled through the proxy. */
const podAddress = (i: number) => `198.19.250.${10 + i}`;

export interface ScalingPlan {
  /** New traces per second. */
  readonly tracesPerSecond: number;
  /** Each trace's spans end over this long (root at the end, four children spread before it). */
  readonly traceSpreadMs: number;
  /** The samplers' decision_wait. */
  readonly decisionWaitMs: number;
  /** From the leaving samplers turning terminating to their SIGTERM. */
  readonly preStopMs: number;
  /** When samplers 2 and 3 join, when they start terminating, when new traces stop (ms from the start). */
  readonly scaleUpAt: number;
  readonly scaleDownAt: number;
  readonly loadEndsAt: number;
}

export const DEFAULT_PLAN: ScalingPlan = { tracesPerSecond: 20, traceSpreadMs: 3000, decisionWaitMs: 5000, preStopMs: 4000, scaleUpAt: 8000, scaleDownAt: 20_000, loadEndsAt: 32_000 };

export interface ScalingOutcome {
  readonly pinning: boolean;
  readonly samplers: SamplerBuild;
  readonly policies: SamplerPolicies;
  readonly traces: number;
  readonly spansSent: number;
  readonly spansAcked: number;
  readonly spansFailedAtClient: number;
  /** Traces whose spans reached more than one sampler. */
  readonly splitTraces: number;
  /** Traces whose spans reached a sink, all of them. */
  readonly keptTraces: number;
  /** Traces of which some spans reached a sink and some did not: decided in parts. */
  readonly partialTraces: number;
  /** Acknowledged spans no sink got, beyond the traces the policies dropped whole. */
  readonly lostSpans: number;
  readonly duplicatedSpans: number;
  /** Spans each sampler exported. */
  readonly spansPerSampler: number[];
  /** Spans the leaving samplers exported after their SIGTERM: traces decided at shutdown. */
  readonly spansDecidedAtShutdown: number;
  readonly router: { tracePinsMoved: number; tracePinsEvicted: number; backendFailures: number };
}

type Conditions = { ready: boolean; serving: boolean; terminating: boolean };
const READY: Conditions = { ready: true, serving: true, terminating: false };
const TERMINATING: Conditions = { ready: false, serving: true, terminating: true };

async function applySlice(client: KubeClient, namespace: string, endpoints: Map<number, Conditions>): Promise<void> {
  await client.request('PATCH', `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices/${SERVICE}-a`, {
    body: {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: `${SERVICE}-a`, namespace, labels: { 'kubernetes.io/service-name': SERVICE } },
      endpoints: [...endpoints].map(([i, conditions]) => ({ addresses: [podAddress(i)], conditions })),
      ports: [{ name: 'otlp-grpc', port: 4317, protocol: 'TCP' }],
    },
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: 'tpo-tests', force: true },
  });
}

/** Which collector the samplers run: this one, or the upstream build (contrib's tail_sampling). */
export type SamplerBuild = 'ours' | 'upstream';

/**
 * keep-all: every trace is kept, so any span missing at the sinks is lost. guide: the guide's four policies. Every
 * fifth trace has an error in its last child span, and a whole trace lasts 3 s, so it is slow; the part of a split
 * trace holding only the first, short spans is neither, and is kept only by the 10 %.
 */
export type SamplerPolicies = 'keep-all' | 'guide';

const POLICIES: Record<SamplerPolicies, object[]> = {
  'keep-all': [{ name: 'keep-all', type: 'always_sample' }],
  guide: [
    { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
    { name: 'slow', type: 'latency', latency: { threshold_ms: 1000 } },
    { name: 'vip', type: 'string_attribute', string_attribute: { key: 'customer.tier', values: ['vip'] } },
    { name: 'ten-percent', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } },
  ],
};

interface Sampler {
  readonly grpcPort: number;
  /** SIGTERM, resolved when the process has exited. */
  stop(): Promise<unknown>;
}

function samplerConfig(grpcPort: number, metricsPort: number, sink: OtlpSink, decisionWaitMs: number, policies: SamplerPolicies): object {
  return {
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpcPort}` } } } },
    processors: { tail_sampling: { decision_wait: `${decisionWaitMs}ms`, policies: POLICIES[policies] } },
    exporters: { otlp: { endpoint: `127.0.0.1:${sink.grpcPort}`, tls: { insecure: true } } },
    service: {
      telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metricsPort } } } }] } },
      pipelines: { traces: { receivers: ['otlp'], processors: ['tail_sampling'], exporters: ['otlp'] } },
    },
  };
}

async function startSampler(build: SamplerBuild, sink: OtlpSink, decisionWaitMs: number, policies: SamplerPolicies): Promise<Sampler> {
  if (build === 'ours') {
    const child = await startCollectorProcess({ config: (ports) => samplerConfig(ports.grpc, ports.metrics, sink, decisionWaitMs, policies) });
    return { grpcPort: child.ports.grpc, stop: () => child.stop() };
  }
  // Loaded only here: importing it builds the upstream collector when missing.
  const { startUpstreamOnFreePorts, stopUpstream } = await import('./upstream-collector.ts');
  const { upstream, ports: [grpcPort] } = await startUpstreamOnFreePorts(2, ([grpc, metrics]) => ({
    config: samplerConfig(grpc!, metrics!, sink, decisionWaitMs, policies), ready: [grpc!],
  }));
  return { grpcPort: grpcPort!, stop: () => stopUpstream(upstream) };
}

function startRouter(namespace: string, kubeconfig: string, proxy: PodAddressProxy, pinning: boolean): Promise<CollectorProcess> {
  return startCollectorProcess({
    config: (ports, host) => ({
      receivers: { otlp: { protocols: { grpc: { endpoint: `${host}:${ports.grpc}` } } } },
      exporters: {
        loadbalancing: {
          protocol: { otlp: { tls: { insecure: true }, timeout: '5s' } },
          resolver: { k8s: { service: `${SERVICE}.${namespace}`, ports: [4317] } },
        },
      },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['loadbalancing'] } } },
    }),
    env: { KUBECONFIG: kubeconfig, grpc_proxy: proxy.url, TPO_LOADBALANCING_TRACE_PINNING: pinning ? 'on' : 'off' },
  });
}

/** Counts what the SDK's exporter got acknowledged. */
class CountingExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  acked = 0;
  failed = 0;
  /** Span id -> trace id of every acknowledged span. */
  readonly ackedIds = new Map<string, string>();
  constructor(inner: SpanExporter) {
    this.#inner = inner;
  }
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.#inner.export(spans, (result) => {
      if (result.code === 0) {
        this.acked += spans.length;
        for (const span of spans) this.ackedIds.set(span.spanContext().spanId, span.spanContext().traceId);
      } else this.failed += spans.length;
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** Traces at a steady rate until `endsAt`, each one's spans ending over `spreadMs`; resolves when all are sent. */
async function sendTraces(port: number, plan: ScalingPlan, exporter: CountingExporter): Promise<{ traces: number; spans: number }> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'scaling-load' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 200, maxExportBatchSize: 256, maxQueueSize: 8192 })],
  });
  const tracer = provider.getTracer('scaling-load');
  let traces = 0;
  const ends: Promise<void>[] = [];
  const started = Date.now();
  const total = Math.floor((plan.loadEndsAt / 1000) * plan.tracesPerSecond);
  for (let t = 0; t < total; t++) {
    const due = started + (t * 1000) / plan.tracesPerSecond;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    const root = tracer.startSpan(`trace ${t}`);
    const parent = trace.setSpan(context.active(), root);
    const children = [0, 1, 2, 3].map((c) => tracer.startSpan(`step ${c}`, {}, parent));
    traces++;
    ends.push(new Promise((resolve) => {
      if (t % 5 === 0) children[3]!.setStatus({ code: SpanStatusCode.ERROR });
      children.forEach((child, c) => setTimeout(() => child.end(), (c * plan.traceSpreadMs) / 4));
      setTimeout(() => {
        root.end();
        resolve();
      }, plan.traceSpreadMs);
    }));
  }
  await Promise.all(ends);
  await provider.forceFlush();
  await provider.shutdown();
  return { traces, spans: traces * 5 };
}

type Decoded = { resourceSpans?: { scopeSpans?: { spans?: { traceId?: string; spanId?: string }[] }[] }[] };

/** Which samplers each trace reached, and how often each span id arrived. */
export function arrivals(perSampler: readonly OtlpSink[]): { samplersOf: Map<string, Set<number>>; spanCounts: Map<string, number>; spansPerSampler: number[] } {
  const samplersOf = new Map<string, Set<number>>();
  const spanCounts = new Map<string, number>();
  const spansPerSampler = perSampler.map((sink, i) => {
    let spans = 0;
    for (const request of sink.requests) {
      for (const rs of (decodeRequest('traces', request.body) as Decoded).resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) {
          for (const span of ss.spans ?? []) {
            spans++;
            const at = samplersOf.get(span.traceId ?? '') ?? new Set<number>();
            samplersOf.set(span.traceId ?? '', at.add(i));
            spanCounts.set(span.spanId ?? '', (spanCounts.get(span.spanId ?? '') ?? 0) + 1);
          }
        }
      }
    }
    return spans;
  });
  return { samplersOf, spanCounts, spansPerSampler };
}

/**
 * Per trace, how many of its acknowledged spans reached a sink: all (kept), some (kept in part: the missing ones are
 * lost), none (dropped by the policies; lost too when `keepsAll`).
 */
export function keptInParts(acked: ReadonlyMap<string, string>, arrived: ReadonlyMap<string, number>, keepsAll: boolean): { kept: number; partial: number; lost: number } {
  const perTrace = new Map<string, { acked: number; arrived: number }>();
  for (const [spanId, traceId] of acked) {
    const counts = perTrace.get(traceId) ?? { acked: 0, arrived: 0 };
    counts.acked++;
    if (arrived.has(spanId)) counts.arrived++;
    perTrace.set(traceId, counts);
  }
  let kept = 0;
  let partial = 0;
  let lost = 0;
  for (const { acked: sent, arrived: got } of perTrace.values()) {
    if (got === sent) kept++;
    else if (got > 0) partial++;
    if (got > 0 || keepsAll) lost += sent - got;
  }
  return { kept, partial, lost };
}

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

export async function runSamplerScaling(opts: { client: KubeClient; kubeconfig: string; namespace: string; pinning: boolean; samplers?: SamplerBuild; policies?: SamplerPolicies; plan?: ScalingPlan; log?: (message: string) => void }): Promise<ScalingOutcome> {
  const build = opts.samplers ?? 'ours';
  const policies = opts.policies ?? 'keep-all';
  const plan = opts.plan ?? DEFAULT_PLAN;
  const log = opts.log ?? (() => {});
  const sinks = await Promise.all(Array.from({ length: SAMPLERS }, () => OtlpSink.start()));
  const proxy = await PodAddressProxy.start();
  const samplers: (Sampler | undefined)[] = [];
  let router: CollectorProcess | undefined;
  const join = async (i: number) => {
    samplers[i] = await startSampler(build, sinks[i]!, plan.decisionWaitMs, policies);
    proxy.map(`${podAddress(i)}:4317`, samplers[i]!.grpcPort);
  };
  try {
    await Promise.all([join(0), join(1)]);
    const endpoints = new Map<number, Conditions>([[0, READY], [1, READY]]);
    await applySlice(opts.client, opts.namespace, endpoints);
    router = await startRouter(opts.namespace, opts.kubeconfig, proxy, opts.pinning);
    const exporter = new CountingExporter(new OTLPTraceExporter({ url: `http://127.0.0.1:${router.ports.grpc}` }));
    const start = Date.now();
    const load = sendTraces(router.ports.grpc, plan, exporter);

    await sleepUntil(start + plan.scaleUpAt);
    await Promise.all([join(2), join(3)]);
    endpoints.set(2, READY).set(3, READY);
    await applySlice(opts.client, opts.namespace, endpoints);
    log(`scaled up to 4 at ${Date.now() - start} ms`);

    await sleepUntil(start + plan.scaleDownAt);
    endpoints.set(2, TERMINATING).set(3, TERMINATING);
    await applySlice(opts.client, opts.namespace, endpoints);
    log(`samplers 2, 3 terminating at ${Date.now() - start} ms`);
    // The preStop wait: the traces pinned there get their last spans; most are still undecided at SIGTERM.
    await sleepUntil(start + plan.scaleDownAt + plan.preStopMs);
    const beforeSigterm = sinks[2]!.items('traces') + sinks[3]!.items('traces');
    await Promise.all([samplers[2]!.stop(), samplers[3]!.stop()]);
    const spansDecidedAtShutdown = sinks[2]!.items('traces') + sinks[3]!.items('traces') - beforeSigterm;
    endpoints.delete(2);
    endpoints.delete(3);
    await applySlice(opts.client, opts.namespace, endpoints);
    log(`samplers 2, 3 gone at ${Date.now() - start} ms`);

    const sent = await load;
    // Last decisions: every trace's last span is in; the remaining samplers decide after their wait and export.
    await sleepUntil(Date.now() + plan.decisionWaitMs + 2500);
    const routerMetrics = {
      tracePinsMoved: await router.metric('otelcol_loadbalancer_trace_pins_moved'),
      tracePinsEvicted: await router.metric('otelcol_loadbalancer_trace_pins_evicted'),
      backendFailures: await router.metric('otelcol_loadbalancer_backend_outcome', { success: 'false' }),
    };
    await Promise.all([samplers[0]!.stop(), samplers[1]!.stop()]);
    const { samplersOf, spanCounts, spansPerSampler } = arrivals(sinks);
    const { kept, partial, lost } = keptInParts(exporter.ackedIds, spanCounts, policies === 'keep-all');
    return {
      pinning: opts.pinning,
      samplers: build,
      policies,
      traces: sent.traces,
      spansSent: sent.spans,
      spansAcked: exporter.acked,
      spansFailedAtClient: exporter.failed,
      splitTraces: [...samplersOf.values()].filter((at) => at.size > 1).length,
      keptTraces: kept,
      partialTraces: partial,
      lostSpans: lost,
      duplicatedSpans: [...spanCounts.values()].filter((n) => n > 1).length,
      spansPerSampler,
      spansDecidedAtShutdown,
      router: routerMetrics,
    };
  } finally {
    await router?.stop();
    await Promise.all(samplers.map((sampler) => sampler?.stop()));
    await proxy.stop();
    await Promise.all(sinks.map((sink) => sink.stop()));
  }
}
