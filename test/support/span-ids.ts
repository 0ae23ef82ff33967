// Span ids an OTLP sink received, with how often each arrived: the exactly-once check of the autoscaling
// end-to-end test and the demo (every span the load generator had acknowledged arrives once).
import { decodeRequest } from '../../src/collector/otlp/index.ts';
import type { OtlpSink } from './otlp-sink.ts';

type Traces = { resourceSpans?: { scopeSpans?: { spans?: { spanId?: string }[] }[] }[] };

export function spanIdCounts(sink: OtlpSink): Map<string, number> {
  const ids = new Map<string, number>();
  for (const request of sink.requests) {
    if (request.signal !== 'traces') continue;
    const decoded = decodeRequest('traces', request.body) as Traces;
    for (const rs of decoded.resourceSpans ?? []) {
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) ids.set(span.spanId ?? '', (ids.get(span.spanId ?? '') ?? 0) + 1);
      }
    }
  }
  return ids;
}

export interface DeliveryCheck {
  acked: number;
  received: number;
  /** Acknowledged spans the sink never got. */
  missing: number;
  /** Span ids that arrived more than once. */
  duplicated: number;
}

export function checkDelivery(acked: ReadonlySet<string>, sink: OtlpSink): DeliveryCheck {
  const ids = spanIdCounts(sink);
  let missing = 0;
  for (const id of acked) if (!ids.has(id)) missing++;
  let duplicated = 0;
  for (const n of ids.values()) if (n > 1) duplicated++;
  return { acked: acked.size, received: sink.items('traces'), missing, duplicated };
}
