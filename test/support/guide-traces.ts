// A bounded, known set of traces for the guide's tail-sampling policies, sent by the OpenTelemetry JS SDK: each
// trace has five spans (a root and four children) tagged with its number and kind; a known share has an error
// span, lasts over 1000 ms, or carries customer.tier=vip; the rest are plain. A trace's spans are spread over six
// SDK exporters (six connections, which a ClusterIP spreads over the routing pods), so they enter the routing tier
// through different collectors.
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export type TraceKind = 'error' | 'slow' | 'vip' | 'plain';
export const SPANS_PER_TRACE = 5;
const CONNECTIONS = 6;

export interface GuideTraceSet {
  /** Trace number -> kind. */
  readonly kinds: readonly TraceKind[];
}

/** `counts` of each special kind first, in turn, then plain ones up to `total`. */
export function guideTraceKinds(total: number, counts: { error: number; slow: number; vip: number }): TraceKind[] {
  const kinds: TraceKind[] = [];
  for (let i = 0; i < Math.max(counts.error, counts.slow, counts.vip); i++) {
    if (i < counts.error) kinds.push('error');
    if (i < counts.slow) kinds.push('slow');
    if (i < counts.vip) kinds.push('vip');
  }
  while (kinds.length < total) kinds.push('plain');
  return kinds;
}

/**
 * grpc-js shares one connection between channels to the same address with the same options: a user agent of its
 * own gives each exporter its own connection, which kube-proxy balances on its own.
 */
function provider(endpoint: string, n: number): BasicTracerProvider {
  const exporter = new OTLPTraceExporter({ url: `http://${endpoint}`, timeoutMillis: 10_000, userAgent: `tail-sampling-e2e-${n}` });
  const processor = new BatchSpanProcessor(exporter, { maxExportBatchSize: 256, maxQueueSize: 50_000, scheduledDelayMillis: 20 });
  return new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'tail-sampling-e2e' }), spanProcessors: [processor] });
}

/** Sends the traces to `endpoint` (host:port, OTLP/gRPC) and resolves once both SDK exporters flushed. */
export async function sendGuideTraces(endpoint: string, kinds: readonly TraceKind[]): Promise<void> {
  const providers = Array.from({ length: CONNECTIONS }, (_, n) => provider(endpoint, n));
  const tracers = providers.map((p) => p.getTracer('tail-sampling-e2e'));
  const now = Date.now();
  kinds.forEach((kind, t) => {
    // A slow trace started 1500 ms ago: its root spans that long, which the latency policy measures.
    const start = kind === 'slow' ? now - 1500 : now;
    const attrs = (s: number) => ({ 'test.trace': t, 'test.kind': kind, 'test.id': `${t}-${s}`, ...(kind === 'vip' && s === 2 ? { 'customer.tier': 'vip' } : { 'customer.tier': 'standard' }) });
    const root = tracers[t % CONNECTIONS]!.startSpan(`trace ${t}`, { startTime: start, attributes: attrs(0) });
    const parent = trace.setSpan(context.active(), root);
    for (let s = 1; s < SPANS_PER_TRACE; s++) {
      const child = tracers[(t + s) % CONNECTIONS]!.startSpan(`trace ${t} span ${s}`, { startTime: start + s, attributes: attrs(s) }, parent);
      if (kind === 'error' && s === 3) child.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
      child.end(start + s + 5);
    }
    root.end(kind === 'slow' ? now : start + 20);
  });
  await Promise.all(providers.map((p) => p.forceFlush()));
  await Promise.all(providers.map((p) => p.shutdown()));
}
