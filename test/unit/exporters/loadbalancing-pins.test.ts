// Trace pins of the loadbalancing exporter: the routing decision given a pin, the time, the serving backends and the
// ring; the table's sliding expiry and bound; routing across a ring change; and which EndpointSlice endpoints stay
// destinations for pinned traces (terminating but serving).
import { HashRing } from '../../../src/collector/exporters/loadbalancing/hash-ring.ts';
import { backendsOf, drainingOf } from '../../../src/collector/exporters/loadbalancing/resolver-k8s.ts';
import { route } from '../../../src/collector/exporters/loadbalancing/routing.ts';
import { pinnedRoute, pinSettingsFromEnv, TracePins, DEFAULT_PINS, type Pin } from '../../../src/collector/exporters/loadbalancing/trace-pins.ts';
import { splitByTrace } from '../../../src/collector/otlp/by-trace.ts';
import { jsonToProtobuf, parseRequest } from '../../../src/collector/otlp/index.ts';

const serving = new Set(['a:4317', 'b:4317']);

test.each<[string, Pin | undefined, number, string, string]>([
  ['no pin: the ring', undefined, 0, 'c:4317', 'new'],
  ['a live pin on a serving backend: the pin, whatever the ring says', { endpoint: 'a:4317', expiresAt: 10 }, 9, 'a:4317', 'kept'],
  ['an expired pin: the ring', { endpoint: 'a:4317', expiresAt: 10 }, 10, 'c:4317', 'new'],
  ['a live pin on a backend gone: the ring, counted as moved', { endpoint: 'z:4317', expiresAt: 10 }, 5, 'c:4317', 'moved'],
])('%s', (_name, pin, now, endpoint, outcome) => {
  expect(pinnedRoute(pin, now, serving, () => 'c:4317')).toEqual({ endpoint, outcome });
});

function table(ttlMs: number, capacity: number) {
  const events = { evicted: 0, moved: 0 };
  const pins = new TracePins({ ttlMs, capacity }, { evicted: () => events.evicted++, moved: () => events.moved++ });
  return { pins, events };
}

test('a pin slides with each span of its trace and lapses ttl after the last', () => {
  const { pins } = table(100, 10);
  pins.setServing(new Set(['a', 'b']));
  expect(pins.route('t1', 0, () => 'a')).toBe('a');
  expect(pins.route('t1', 90, () => 'b')).toBe('a');
  expect(pins.route('t1', 180, () => 'b')).toBe('a');
  expect(pins.route('t1', 280, () => 'b')).toBe('b');
  expect(pins.size).toBe(1);
  pins.route('t2', 1000, () => 'a');
  expect(pins.size).toBe(1);
});

test('beyond capacity the older generation goes, its live pins counted; lapsed generations go uncounted', () => {
  const { pins, events } = table(100, 3);
  pins.setServing(new Set(['a', 'b']));
  pins.route('t0', 0, () => 'a');
  pins.route('t1', 60, () => 'a');
  pins.route('t2', 70, () => 'a');
  // A period is over: t0 (lapsed), t1 and t2 (live) are the older generation; a fourth pin drops it early.
  pins.route('t3', 100, () => 'a');
  expect(events.evicted).toBe(2);
  expect(pins.size).toBe(1);
  expect(pins.route('t1', 102, () => 'b')).toBe('b');
  expect(pins.route('t3', 103, () => 'b')).toBe('a');
  // Idle for two periods: everything lapsed, nothing counted.
  pins.route('t5', 1000, () => 'a');
  expect(pins.size).toBe(1);
  expect(events.evicted).toBe(2);
});

test('a pin in the older generation still holds until its own expiry', () => {
  const { pins } = table(100, 10);
  pins.setServing(new Set(['a', 'b']));
  pins.route('t1', 0, () => 'a');
  pins.route('t2', 99, () => 'a');
  pins.route('t3', 150, () => 'b');
  expect(pins.route('t2', 190, () => 'b')).toBe('a');
  expect(pins.route('t1', 190, () => 'b')).toBe('b');
});

test('a pinned trace whose backend stopped serving follows the ring, counted as moved', () => {
  const { pins, events } = table(100, 10);
  pins.setServing(new Set(['a', 'b']));
  pins.route('t1', 0, () => 'a');
  pins.setServing(new Set(['b']));
  expect(pins.route('t1', 1, () => 'b')).toBe('b');
  expect(events.moved).toBe(1);
});

test('only TPO_LOADBALANCING_TRACE_PINNING=off turns pins off', () => {
  expect(pinSettingsFromEnv({})).toEqual(DEFAULT_PINS);
  expect(pinSettingsFromEnv({ TPO_LOADBALANCING_TRACE_PINNING: 'off' })).toBe(false);
});

const spans = (traceIds: string[]) => parseRequest('traces', jsonToProtobuf('traces', JSON.stringify({
  resourceSpans: [{ resource: {}, scopeSpans: [{ spans: traceIds.map((traceId, i) => ({ traceId, spanId: (i + 1).toString(16).padStart(16, '0'), name: 's' })) }] }],
}))).resources;

function tracesAt(routes: ReturnType<typeof route>): Map<string, string> {
  const at = new Map<string, string>();
  for (const [endpoint, { resources }] of routes) {
    for (const entry of resources) for (const part of splitByTrace(entry)) at.set(Buffer.from(part.key, 'latin1').toString('hex'), endpoint);
  }
  return at;
}

test('across a ring change pinned traces stay, new traces follow the new ring; without pins every trace re-hashes', () => {
  const before = new HashRing(['s0:4317', 's1:4317']);
  const after = new HashRing(['s0:4317', 's1:4317', 's2:4317', 's3:4317']);
  const ids = Array.from({ length: 64 }, (_, i) => `${i.toString(16).padStart(2, '0')}${'ab'.repeat(15)}`);
  const moving = ids.filter((id) => before.endpointFor(Buffer.from(id, 'hex')) !== after.endpointFor(Buffer.from(id, 'hex')));
  expect(moving.length).toBeGreaterThan(10);

  const { pins } = table(60_000, 1000);
  pins.setServing(new Set(before.endpoints));
  const first = tracesAt(route(before, 'traceID', spans(ids), pins, 0));
  pins.setServing(new Set(after.endpoints));
  const later = tracesAt(route(after, 'traceID', spans(ids), pins, 1000));
  expect(later).toEqual(first);
  const fresh = ids.map((id) => `ff${id.slice(2)}`);
  const newcomers = tracesAt(route(after, 'traceID', spans(fresh), pins, 1000));
  for (const id of fresh) expect(newcomers.get(id)).toBe(after.endpointFor(Buffer.from(id, 'hex')));

  const upstream = tracesAt(route(after, 'traceID', spans(ids)));
  expect(ids.filter((id) => upstream.get(id) !== first.get(id))).toEqual(moving);
});

test('EndpointSlice conditions: ready on the ring; terminating and serving kept for pins; terminating and not serving gone', () => {
  const slices = [{
    metadata: { name: 'a' },
    endpoints: [
      { addresses: ['198.19.250.1'], conditions: { ready: true, serving: true, terminating: false } },
      { addresses: ['198.19.250.2'] },
      { addresses: ['198.19.250.3'], conditions: { ready: false, serving: true, terminating: true } },
      { addresses: ['198.19.250.4'], conditions: { ready: false, serving: false, terminating: true } },
      { addresses: ['198.19.250.5'], conditions: { ready: false, serving: false, terminating: false } },
      { addresses: ['198.19.250.6'], conditions: { ready: false, serving: true } },
    ],
  }, {
    metadata: { name: 'b' },
    endpoints: [{ addresses: ['198.19.250.1'], conditions: { ready: false, serving: true, terminating: true } }],
  }];
  const service = { name: 'samplers', namespace: 'ns' };
  expect(backendsOf(slices, service, [4317], false)).toEqual(['198.19.250.1:4317', '198.19.250.2:4317']);
  expect(drainingOf(slices, service, [4317], false)).toEqual(['198.19.250.3:4317']);
});
