// The loadbalancing exporter's ring against upstream's algorithm (contrib v0.161.0): every expected value below was
// computed once from upstream's algorithm with Go's standard library crc32 and sort (facts kept here as literals).
import { crc32 } from 'node:zlib';
import { HashRing, MAX_POSITIONS, POINTS_PER_ENDPOINT } from '../../../src/collector/exporters/loadbalancing/hash-ring.ts';

const LOCAL = ['127.0.0.1:4317', '127.0.0.1:4318', '127.0.0.1:4319'];
const NAMED = ['endpoint-1', 'endpoint-2', 'endpoint-3', 'endpoint-4'];
const ONE = ['sampler-0.samplers.ns:4317'];
const IDS = Array.from({ length: 8 }, (_, t) => Buffer.from(Array.from({ length: 16 }, (_, k) => (t * 31 + k * 7 + 1) & 0xff)));

function summary(ring: HashRing) {
  const per: Record<string, number> = {};
  for (const point of ring.points) per[point.endpoint] = (per[point.endpoint] ?? 0) + 1;
  return {
    points: ring.points.length,
    first: ring.points.slice(0, 3).map((p) => [p.position, p.endpoint]),
    last: [ring.points.at(-1)!.position, ring.points.at(-1)!.endpoint],
    sum: ring.points.reduce((sum, p) => sum + p.position, 0),
    per,
  };
}

test('upstream constants', () => {
  expect([MAX_POSITIONS, POINTS_PER_ENDPOINT]).toEqual([131071, 200]);
});

test.each([
  ['three local endpoints', LOCAL, { points: 600, first: [[219, '127.0.0.1:4318'], [390, '127.0.0.1:4319'], [840, '127.0.0.1:4317']], last: [130821, '127.0.0.1:4318'], sum: 40992234, per: { '127.0.0.1:4317': 200, '127.0.0.1:4318': 200, '127.0.0.1:4319': 200 } }],
  ['four names', NAMED, { points: 800, first: [[78, 'endpoint-2'], [235, 'endpoint-4'], [274, 'endpoint-2']], last: [130703, 'endpoint-1'], sum: 51576142, per: { 'endpoint-1': 200, 'endpoint-2': 200, 'endpoint-3': 200, 'endpoint-4': 200 } }],
  ['one endpoint', ONE, { points: 200, first: [[326, ONE[0]], [1712, ONE[0]], [2053, ONE[0]]], last: [130926, ONE[0]], sum: 13533006, per: { [ONE[0]!]: 200 } }],
])('positions: %s', (_name, endpoints, expected) => {
  expect(summary(new HashRing(endpoints))).toEqual(expected);
  // The endpoints' order does not matter: candidates are ordered by position, hash and endpoint.
  expect(summary(new HashRing([...endpoints].reverse()))).toEqual(expected);
});

test('positions: 300 endpoints, where taken positions move to the next free one', () => {
  const many = Array.from({ length: 300 }, (_, i) => `10.0.${Math.floor(i / 250)}.${i % 250}:4317`);
  const ring = new HashRing(many);
  expect(ring.points.length).toBe(60000);
  expect(ring.points[1000]).toEqual({ position: 2234, endpoint: '10.0.0.55:4317' });
  expect(ring.points.at(-1)).toEqual({ position: 131069, endpoint: '10.0.1.3:4317' });
  expect(ring.points.reduce((sum, p) => sum + p.position, 0)).toBe(3932525989);
});

test.each([
  ['three local endpoints', LOCAL, ['127.0.0.1:4319', '127.0.0.1:4317', '127.0.0.1:4317', '127.0.0.1:4319', '127.0.0.1:4317', '127.0.0.1:4319', '127.0.0.1:4317', '127.0.0.1:4319'], '127.0.0.1:4319'],
  ['four names', NAMED, ['endpoint-4', 'endpoint-3', 'endpoint-2', 'endpoint-4', 'endpoint-3', 'endpoint-4', 'endpoint-3', 'endpoint-1'], 'endpoint-1'],
  ['one endpoint', ONE, Array(8).fill(ONE[0]), ONE[0]],
])('lookups: %s', (_name, endpoints, owners, checkoutOwner) => {
  const ring = new HashRing(endpoints);
  expect(IDS.map((id) => ring.endpointFor(id))).toEqual(owners);
  expect(ring.endpointFor(Buffer.from('checkout'))).toBe(checkoutOwner);
});

test('lookups wrap past the last point, hit exact positions, and an empty ring owns nothing', () => {
  const ring = new HashRing(LOCAL);
  const last = ring.points.at(-1)!;
  // Identifiers whose CRC-32 lands on chosen positions: find them by counting up.
  const idAt = (predicate: (position: number) => boolean) => {
    for (let i = 0; ; i++) {
      const id = Buffer.from(`id-${i}`);
      if (predicate(crc32(id) % MAX_POSITIONS)) return id;
    }
  };
  expect(ring.endpointFor(idAt((p) => p > last.position))).toBe(ring.points[0]!.endpoint);
  expect(ring.endpointFor(idAt((p) => p === ring.points[5]!.position))).toBe(ring.points[5]!.endpoint);
  expect(new HashRing([]).endpointFor(IDS[0]!)).toBeUndefined();
});

test('equal rings', () => {
  expect(new HashRing(LOCAL).equals(new HashRing([...LOCAL].reverse()))).toBe(true);
  expect(new HashRing(LOCAL).equals(new HashRing(LOCAL.slice(1)))).toBe(false);
  expect(new HashRing(LOCAL).equals(undefined)).toBe(false);
});
