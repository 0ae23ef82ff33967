// Realistic HTTP server spans (about 800 bytes each on the wire), encoded once with the
// official SDK serializer and reused for the whole run. Deterministic: a seeded generator
// means every collector under test receives exactly the same bytes.
import { gzipSync } from 'node:zlib';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface EncodedRequest {
  readonly spans: number;
  readonly body: Buffer;
  /** The same request gzip-compressed, when asked for. */
  readonly gzipped?: Buffer;
}

/** xorshift32: small, seeded, good enough to vary attribute values. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

function hex(rand: () => number, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++) out += Math.floor(rand() * 256).toString(16).padStart(2, '0');
  return out;
}

const ROUTES = ['/api/v1/users/{id}', '/api/v1/orders/{orderId}/items', '/api/v2/catalog/search', '/checkout/cart', '/healthz'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const STACK = 'Error: upstream timed out\n    at Timeout._onTimeout (/app/src/clients/inventory.js:118:23)\n' +
  '    at listOnTimeout (node:internal/timers:581:17)\n    at process.processTimers (node:internal/timers:519:7)';

export function makeResources(count: number): Resource[] {
  return Array.from({ length: count }, (_, i) => resourceFromAttributes({
    'service.name': `checkout-service-${i}`,
    'service.namespace': 'shop',
    'service.version': '2.14.3',
    'service.instance.id': `checkout-${i}-7d9f8c6b5-x2k4q`,
    'deployment.environment.name': 'production',
    'host.name': `node-pool-a-${i}`,
    'k8s.namespace.name': 'shop',
    'k8s.pod.name': `checkout-${i}-7d9f8c6b5-x2k4q`,
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': '2.12.1',
  }));
}

export function makeSpan(rand: () => number, resource: Resource, nowMs: number): ReadableSpan {
  const route = ROUTES[Math.floor(rand() * ROUTES.length)] ?? '/';
  const method = METHODS[Math.floor(rand() * METHODS.length)] ?? 'GET';
  const failed = rand() < 0.05;
  const status = failed ? 503 : 200;
  const id = Math.floor(rand() * 1e9);
  const startNs = nowMs * 1e6 + Math.floor(rand() * 1e9);
  const durNs = 200_000 + Math.floor(rand() * 50_000_000);
  const start: [number, number] = [Math.floor(startNs / 1e9), startNs % 1e9];
  const end: [number, number] = [Math.floor((startNs + durNs) / 1e9), (startNs + durNs) % 1e9];
  const traceId = hex(rand, 16);
  const spanId = hex(rand, 8);
  const path = route.replace(/\{[^}]+\}/g, String(id));
  const events = failed || rand() < 0.1
    ? [{ name: 'exception', time: end, attributes: { 'exception.type': 'TimeoutError', 'exception.message': 'upstream timed out after 5000ms', 'exception.stacktrace': STACK } }]
    : [];
  return {
    name: `${method} ${route}`,
    kind: 1, // SERVER
    spanContext: () => ({ traceId, spanId, traceFlags: 1 }),
    parentSpanContext: { traceId, spanId: hex(rand, 8), traceFlags: 1, isRemote: true },
    startTime: start,
    endTime: end,
    duration: [0, durNs],
    ended: true,
    status: failed ? { code: 2, message: 'Service Unavailable' } : { code: 0 },
    attributes: {
      'http.request.method': method,
      'url.full': `https://shop.example.com${path}?session=${hex(rand, 8)}&locale=en-US&page=${id % 50}`,
      'url.scheme': 'https',
      'http.route': route,
      'http.response.status_code': status,
      'server.address': 'shop.example.com',
      'server.port': 443,
      'network.protocol.version': '1.1',
      'client.address': `127.0.${id % 250}.${(id >> 8) % 250}`,
      'user_agent.original': AGENT,
      'http.request.body.size': Math.floor(rand() * 4096),
      'http.response.body.size': Math.floor(rand() * 65536),
      'app.user.tier': rand() < 0.2 ? 'premium' : 'standard',
      'app.request.id': hex(rand, 16),
    },
    links: [],
    events,
    resource,
    instrumentationScope: { name: '@opentelemetry/instrumentation-http', version: '0.208.0' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/**
 * A pool of distinct export requests with span counts spread over [minSpans, maxSpans];
 * each mixes spans of two services (two ResourceSpans entries).
 */
export function encodeRequestPool(opts: { count: number; minSpans: number; maxSpans: number; seed: number; gzip: boolean }): EncodedRequest[] {
  const rand = rng(opts.seed);
  const resources = makeResources(4);
  const now = Date.now();
  const pool: EncodedRequest[] = [];
  for (let i = 0; i < opts.count; i++) {
    const spans = opts.count === 1
      ? opts.minSpans
      : Math.round(opts.minSpans + ((opts.maxSpans - opts.minSpans) * i) / (opts.count - 1));
    const pair = [resources[i % 4], resources[(i + 1) % 4]] as Resource[];
    const list = Array.from({ length: spans }, (_, k) => makeSpan(rand, pair[k % 2] as Resource, now));
    const bytes = ProtobufTraceSerializer.serializeRequest(list);
    if (!bytes) throw new Error('ProtobufTraceSerializer returned nothing');
    const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    pool.push(opts.gzip ? { spans, body, gzipped: gzipSync(body) } : { spans, body });
  }
  return pool;
}
