// A realistic trace export request for codec benchmarks: 1000 SDK spans of about 800 bytes each
// (HTTP server spans with semantic-convention attributes, an event, a link on some).
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export function traceRequest(spanCount: number): Uint8Array {
  const exporter = new InMemorySpanExporter();
  const resource = resourceFromAttributes({
    'service.name': 'checkout', 'service.version': '1.4.2', 'service.instance.id': 'checkout-7d9f8b6c5-x2x9z',
    'host.name': 'node-a', 'k8s.namespace.name': 'shop', 'k8s.pod.name': 'checkout-7d9f8b6c5-x2x9z',
    'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.version': '2.12.1',
  });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.1');
  let parent: ReturnType<typeof tracer.startSpan> | undefined;
  for (let i = 0; i < spanCount; i++) {
    const ctx = parent && i % 4 !== 0 ? trace.setSpan(context.active(), parent) : context.active();
    const span = tracer.startSpan(`GET /api/v1/cart/items/${i % 50}`, {
      kind: i % 2 === 0 ? SpanKind.SERVER : SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'GET', 'http.route': '/api/v1/cart/items/:id', 'http.response.status_code': i % 20 === 0 ? 500 : 200,
        'url.full': `https://checkout.shop.svc.cluster.local:8080/api/v1/cart/items/${i % 50}?currency=EUR&locale=de-DE`,
        'url.scheme': 'https', 'server.address': 'checkout.shop.svc.cluster.local', 'server.port': 8080,
        'network.peer.address': '127.0.0.1', 'network.protocol.version': '1.1',
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
        'enduser.id': `user-${i % 997}`, 'session.id': `s-${(i * 7919) % 100000}`, 'app.cart.size': i % 13, 'app.cart.total': (i % 100) * 1.25,
        'internal.debug.trace_token': 'b7f3c2a1d9e8f7a6b5c4d3e2f1a0b9c8', 'http.request.body.size': 512 + (i % 64),
      },
    }, ctx);
    span.addEvent('cache.lookup', { 'cache.hit': i % 3 === 0, 'cache.key': `cart:${i % 50}` });
    if (i % 20 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream returned 500' });
    span.end();
    if (i % 4 === 0) parent = span;
  }
  return ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!;
}
