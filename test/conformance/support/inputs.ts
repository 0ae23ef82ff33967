// The OTLP inputs the processor comparisons send: a few resources and scopes, and items whose attributes, names,
// kinds, statuses, severities, bodies and ids cover what the processors read (every attribute value type, empty
// strings, numbers that print with exponents, keys that look alike).
type Json = Record<string, unknown>;

const str = (value: string) => ({ stringValue: value });
const int = (value: number | string) => ({ intValue: String(value) });
const dbl = (value: number) => ({ doubleValue: value });
const bool = (value: boolean) => ({ boolValue: value });
const kv = (key: string, value: Json) => ({ key, value });

/** Attribute sets the items cycle through. */
const ATTRIBUTES: Json[][] = [
  [kv('http.route', str('/cart/items')), kv('http.response.status_code', int(200)), kv('user.id', str('u-17')), kv('internal.trace', str('x'))],
  [kv('http.route', str('/healthz')), kv('http.response.status_code', int(503)), kv('db.system', str('postgresql')), kv('ratio', dbl(0.25))],
  [kv('user.email', str('')), kv('count', str('42')), kv('price', str('19.90')), kv('flag', bool(true)), kv('big', dbl(1e21))],
  [kv('tiny', dbl(1.5e-7)), kv('neg', int(-7)), kv('list', { arrayValue: { values: [str('a'), int(1)] } }), kv('map', { kvlistValue: { values: [kv('b', str('2')), kv('a', bool(false))] } })],
  [kv('raw', { bytesValue: 'AAEC' }), kv('path', str('GET /api/v1/orders/123')), kv('debug.level', str('verbose')), kv('internal.flag', bool(false))],
  [],
];

const RESOURCES: Json[] = [
  { attributes: [kv('service.name', str('checkout')), kv('deployment.environment', str('prod'))] },
  { attributes: [kv('service.name', str('payment')), kv('host.name', str('node-1'))] },
  { attributes: [kv('k8s.namespace.name', str('shop'))] },
];

const SCOPES: Json[] = [{ name: 'io.opentelemetry.http', version: '1.2.0' }, { name: 'custom-lib', version: '' }, {}];

const SPAN_NAMES = ['GET /cart', 'health', 'SELECT orders', 'publish', 'POST /pay', 'internal work'];
const LOG_BODIES: Json[] = [str('user logged in'), str('ERROR: payment declined'), int(3), { kvlistValue: { values: [kv('msg', str('structured'))] } }, str(''), bool(true)];
const SEVERITIES: [number, string][] = [[9, 'INFO'], [17, 'ERROR'], [0, ''], [5, 'DEBUG'], [13, 'WARN'], [21, 'FATAL']];

const hex = (byte: number, length: number) => byte.toString(16).padStart(2, '0').repeat(length);

/** Trace ids: distinct, one all-zero (invalid) for the sampler's missing-randomness path. */
function traceId(index: number): string {
  if (index % 11 === 10) return '';
  return `${hex(index * 37 % 256, 8)}${hex((index * 101 + 7) % 256, 8)}`;
}

function entries(count: number, item: (index: number) => Json): Json[] {
  const out: Json[] = [];
  let index = 0;
  for (const [r, resource] of RESOURCES.entries()) {
    const scopes = SCOPES.map((scope) => ({ scope, items: [] as Json[] }));
    for (let i = 0; i < count; i++) scopes[(i + r) % scopes.length]!.items.push(item(index++));
    out.push({ resource, scopes: scopes.filter((s) => s.items.length > 0) });
  }
  return out;
}

export function spansRequest(count = 12): Json {
  return {
    resourceSpans: entries(count, (i) => ({
      traceId: traceId(i), spanId: hex(i + 1, 8), name: SPAN_NAMES[i % SPAN_NAMES.length], kind: i % 6,
      startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000500000000',
      attributes: ATTRIBUTES[i % ATTRIBUTES.length], status: { code: i % 3 },
    })).map(({ resource, scopes }) => ({ resource, scopeSpans: (scopes as Json[]).map((s) => ({ scope: s.scope, spans: s.items })) })),
  };
}

export function logsRequest(count = 12): Json {
  return {
    resourceLogs: entries(count, (i) => ({
      timeUnixNano: '1700000000000000000', severityNumber: SEVERITIES[i % 6]![0], severityText: SEVERITIES[i % 6]![1],
      body: LOG_BODIES[i % LOG_BODIES.length], attributes: ATTRIBUTES[(i + 1) % ATTRIBUTES.length],
      ...(i % 4 === 3 ? {} : { traceId: traceId(i), spanId: hex(i + 1, 8) }),
    })).map(({ resource, scopes }) => ({ resource, scopeLogs: (scopes as Json[]).map((s) => ({ scope: s.scope, logRecords: s.items })) })),
  };
}

const METRIC_NAMES = ['http.server.duration', 'checkout.orders', 'system.cpu.time', 'checkout.inflight'];

export function metricsRequest(count = 8): Json {
  return {
    resourceMetrics: entries(count, (i) => {
      const point = { timeUnixNano: '1700000000000000000', asDouble: i * 1.5, attributes: ATTRIBUTES[(i + 2) % ATTRIBUTES.length] };
      const name = METRIC_NAMES[i % METRIC_NAMES.length];
      return i % 2 === 0
        ? { name, unit: 's', gauge: { dataPoints: [point, { ...point, asDouble: 0, attributes: ATTRIBUTES[(i + 3) % ATTRIBUTES.length] }] } }
        : { name, sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ ...point, asDouble: undefined, asInt: String(i) }] } };
    }).map(({ resource, scopes }) => ({ resource, scopeMetrics: (scopes as Json[]).map((s) => ({ scope: s.scope, metrics: s.items })) })),
  };
}

export const REQUESTS = { traces: spansRequest, logs: logsRequest, metrics: metricsRequest };
