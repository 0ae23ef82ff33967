// attributes processor: the same requests through upstream's (v0.161.0) and ours must come out item for item equal.
import type { Signal } from '../../src/collector/component.ts';
import { startDifferential, type Differential } from './support/differential.ts';
import { REQUESTS } from './support/inputs.ts';

const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];

const CASES: [string, Record<string, unknown>][] = [
  ['insert, update, upsert with typed values', { actions: [
    { key: 'env', value: 'prod', action: 'insert' }, { key: 'http.route', value: '/redacted', action: 'update' },
    { key: 'tenant', value: 42, action: 'upsert' }, { key: 'ratio', value: 0.5, action: 'UPSERT' },
    { key: 'tags', value: ['a', 1, true], action: 'insert' }, { key: 'obj', value: { b: 1, a: 'x' }, action: 'insert' },
  ] }],
  ['from_attribute and default_value', { actions: [
    { key: 'route.copy', from_attribute: 'http.route', action: 'insert' },
    { key: 'db', from_attribute: 'db.system', default_value: 'none', action: 'upsert' },
    { key: 'fallback', default_value: 7, action: 'insert' },
  ] }],
  ['delete by key and pattern', { actions: [{ key: 'user.id', action: 'delete' }, { pattern: '^(internal|debug)\\.', action: 'delete' }] }],
  ['hash every type, the empty string too', { actions: [
    { key: 'user.email', action: 'hash' }, { key: 'user.id', action: 'hash' }, { key: 'http.response.status_code', action: 'hash' },
    { key: 'ratio', action: 'hash' }, { key: 'flag', action: 'hash' }, { key: 'list', action: 'hash' }, { key: 'raw', action: 'hash' },
    { pattern: '^internal', action: 'hash' },
  ] }],
  ['extract named groups', { actions: [
    { key: 'http.route', pattern: '^/(?P<section>[a-z]+)(?P<rest>/.+)?$', action: 'extract' },
    { key: 'path', pattern: '(?P<verb>[A-Z]+) /api/(?P<version>v\\d+)', action: 'extract' },
  ] }],
  ['convert between types', { actions: [
    { key: 'count', action: 'convert', converted_type: 'int' }, { key: 'price', action: 'convert', converted_type: 'double' },
    { key: 'http.response.status_code', action: 'convert', converted_type: 'string' }, { key: 'ratio', action: 'convert', converted_type: 'int' },
    { key: 'big', action: 'convert', converted_type: 'string' }, { key: 'tiny', action: 'convert', converted_type: 'string' },
    { key: 'flag', action: 'convert', converted_type: 'double' }, { key: 'map', action: 'convert', converted_type: 'string' },
    { key: 'list', action: 'convert', converted_type: 'string' }, { key: 'raw', action: 'convert', converted_type: 'string' },
    { key: 'user.id', action: 'convert', converted_type: 'int' }, { key: 'neg', action: 'convert', converted_type: 'double' },
  ] }],
];

/** include/exclude blocks, each with the signals it is valid for. */
const MATCHING: [string, Record<string, unknown>, Signal[]][] = [
  ['include span names (regexp)', { include: { match_type: 'regexp', span_names: ['^(GET|POST) '] } }, ['traces']],
  ['exclude services (strict)', { exclude: { match_type: 'strict', services: ['payment'] } }, ['traces']],
  ['include span kinds and a library', { include: { match_type: 'strict', span_kinds: ['SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT'], libraries: [{ name: 'io.opentelemetry.http' }] } }, ['traces']],
  ['include attributes by regexp on numbers and bools', { include: { match_type: 'regexp', attributes: [{ key: 'http.response.status_code', value: '^5' }] } }, ['traces', 'logs']],
  ['exclude by resource attribute', { exclude: { match_type: 'strict', resources: [{ key: 'service.name', value: 'checkout' }] } }, ['traces', 'logs']],
  ['include log bodies and severity', { include: { match_type: 'regexp', log_bodies: ['ERROR|structured|^3$'], log_severity_number: { min: 9, match_undefined: true } } }, ['logs']],
  ['include severity texts', { include: { match_type: 'strict', log_severity_texts: ['WARN', 'FATAL'] } }, ['logs']],
  ['include metric names', { include: { match_type: 'regexp', metric_names: ['^checkout\\.'] } }, ['metrics']],
  ['exclude metric names (strict)', { exclude: { match_type: 'strict', metric_names: ['system.cpu.time'] } }, ['metrics']],
];

const ACTIONS = [{ key: 'matched', value: true, action: 'insert' }, { key: 'user.id', action: 'hash' }];

describe.each(CASES)('attributes: %s', (_name, config) => {
  let pair: Differential;
  beforeAll(async () => {
    pair = await startDifferential({ processors: { attributes: config }, pipelines: { traces: ['attributes'], logs: ['attributes'], metrics: ['attributes'] } });
  });
  afterAll(() => pair?.stop());

  test.each(SIGNALS)('%s', async (signal) => {
    const { ours, upstream, codes } = await pair.send(signal, REQUESTS[signal]());
    expect(codes).toEqual({ ours: 0, upstream: 0 });
    expect(upstream.length).toBeGreaterThan(0);
    expect(ours).toEqual(upstream);
  });
});

describe.each(MATCHING)('attributes include/exclude: %s', (_name, matching, signals) => {
  let pair: Differential;
  beforeAll(async () => {
    const pipelines = Object.fromEntries(signals.map((signal) => [signal, ['attributes']]));
    pair = await startDifferential({ processors: { attributes: { actions: ACTIONS, ...matching } }, pipelines });
  });
  afterAll(() => pair?.stop());

  test.each(signals)('%s', async (signal) => {
    const { ours, upstream } = await pair.send(signal, REQUESTS[signal]());
    expect(ours).toEqual(upstream);
    // The matching must have selected some items and skipped others, or the case proves little.
    const marked = upstream.filter((entry) => JSON.stringify(entry.item).includes('"matched"')).length;
    expect({ marked: marked > 0, skipped: marked < upstream.length }).toEqual({ marked: true, skipped: true });
  });
});
