// redaction processor: the same requests through upstream's (contrib v0.161.0) and ours must come out item for item
// equal: resource, scope, span, span event, log record (and body) and data point attributes, with the summaries.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Signal } from '../../src/collector/component.ts';
import { decodeRequest, jsonToProtobuf } from '../../src/collector/otlp/index.ts';
import { startDifferential, type Differential } from './support/differential.ts';
import { flatten } from './support/flatten.ts';
import { REQUESTS } from './support/inputs.ts';

type Json = Record<string, unknown>;
const str = (value: string) => ({ stringValue: value });
const kv = (key: string, value: Json) => ({ key, value });

/** Attributes with personal data in them, of every value type. */
const PII: Json[][] = [
  [kv('http.request.header.authorization', str('Bearer abc.def')), kv('card', str('card 4111 1111 1111 1111, again 4111-1111-1111-1111')),
    kv('user.email', str('ann@example.com')), kv('http.route', str('/pay')), kv('count', { intValue: '4111' })],
  [kv('note', str('no secrets here')), kv('token', str('tok_live_123')), kv('ratio', { doubleValue: 4111.5 }), kv('flag', { boolValue: true }),
    kv('list', { arrayValue: { values: [str('4111111111111111'), str('x')] } }), kv('redaction.masked.count', { intValue: '2' })],
  [kv('session.id', str('s-1')), kv('http.route', str('')), kv('redaction.redacted.keys', str('earlier'))],
];

function piiTraces(): Json {
  let n = 0;
  const span = (attributes: Json[]) => ({
    traceId: '0102030405060708090a0b0c0d0e0f10', spanId: `00000000000000${String(++n).padStart(2, '0')}`, name: `span ${n}`,
    startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000500000000', attributes,
    events: [{ name: 'ev', timeUnixNano: '1700000000100000000', attributes: PII[(n + 1) % PII.length] }],
    links: [{ traceId: '0102030405060708090a0b0c0d0e0f11', spanId: '0000000000000009', attributes: [kv('user.email', str('link@example.com'))] }],
  });
  return {
    resourceSpans: [
      { resource: { attributes: [kv('service.name', str('checkout')), kv('owner.email', str('ops@example.com'))] },
        scopeSpans: [{ scope: { name: 'lib', attributes: [kv('token', str('t-1'))] }, spans: PII.map(span) }] },
      { resource: {}, scopeSpans: [{ scope: { name: 'other' }, spans: [span([])] }] },
    ],
  };
}

function piiLogs(): Json {
  const bodies: Json[] = [
    str('paid with 4111 1111 1111 1111'), { intValue: '4111' }, { arrayValue: { values: [str('a@b.io'), { kvlistValue: { values: [kv('token', str('x')), kv('http.route', str('4111111111111111'))] } }] } },
    { kvlistValue: { values: [kv('user.email', str('c@d.io')), kv('http.route', str('/x 4111111111111111')), kv('session.id', str('s')),
      kv('nested', { kvlistValue: { values: [kv('http.route', str('ok')), kv('token', str('y'))] } })] } },
  ];
  return {
    resourceLogs: [{ resource: { attributes: [kv('service.name', str('checkout'))] }, scopeLogs: [{ scope: { name: 'lib' },
      logRecords: bodies.map((body, i) => ({ timeUnixNano: '1700000000000000000', body, attributes: PII[i % PII.length] })) }] }],
  };
}

function piiMetrics(): Json {
  const point = (attributes: Json[]) => ({ timeUnixNano: '1700000000000000000', asInt: '1', attributes });
  return {
    resourceMetrics: [{ resource: { attributes: [kv('service.name', str('checkout')), kv('owner.email', str('ops@example.com'))] }, scopeMetrics: [{ scope: { name: 'lib' }, metrics: [
      { name: 'g', gauge: { dataPoints: PII.map(point) } },
      { name: 's', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [point(PII[0]!)] } },
      { name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: '1700000000000000000', count: '1', sum: 1, attributes: PII[1] }] } },
    ] }] }],
  };
}

const INPUTS: Record<Signal, () => Json> = { traces: piiTraces, logs: piiLogs, metrics: piiMetrics };
const SIGNALS: Signal[] = ['traces', 'logs', 'metrics'];
const CARD = '\\b(?:\\d[ -]?){15}\\d\\b';
const ALLOWED = ['http.route', 'service.name', 'note', 'count', 'ratio', 'flag', 'list'];

const CASES: [string, Record<string, unknown>][] = [
  ['allowed_keys only', { allowed_keys: ALLOWED }],
  ['blocked_values with a credit-card regex', { allowed_keys: ALLOWED, blocked_values: [CARD] }],
  ['summary debug', { allowed_keys: ALLOWED, blocked_values: [CARD, '[a-z]+@[a-z.]+'], ignored_keys: ['session.id'], summary: 'debug' }],
  ['summary info', { allowed_keys: ALLOWED, blocked_values: [CARD], ignored_keys: ['session.id'], summary: 'info' }],
  ['summary silent', { allowed_keys: ALLOWED, blocked_values: [CARD], summary: 'silent' }],
  ['allow_all_keys with blocked_values', { allow_all_keys: true, blocked_values: [CARD, '^Bearer .+'], summary: 'debug' }],
  ['blocked_key_patterns, allowed_values, redact_all_types, a hash', {
    allow_all_keys: true, blocked_key_patterns: ['^token$', 'authorization'], blocked_values: [CARD, '4111'], allowed_values: ['^no '],
    redact_all_types: true, hash_function: 'SHA1', ignored_key_patterns: ['^session\\.'], summary: 'debug',
  }],
  ['hmac and allowed_values matching everything', { allowed_keys: ALLOWED, allowed_values: ['^$'], blocked_values: ['\\d+'], hash_function: 'hmac-sha256', hmac_key: 'k'.repeat(32), summary: 'info' }],
];

describe.each(CASES)('redaction: %s', (_name, config) => {
  let pair: Differential;
  beforeAll(async () => {
    pair = await startDifferential({ processors: { redaction: config }, pipelines: { traces: ['redaction'], logs: ['redaction'], metrics: ['redaction'] } });
  });
  afterAll(() => pair?.stop());

  test.each(SIGNALS)('%s: personal data', async (signal) => {
    const input = INPUTS[signal]();
    const { ours, upstream, codes } = await pair.send(signal, input);
    expect(codes).toEqual({ ours: 0, upstream: 0 });
    expect(upstream.length).toBeGreaterThan(0);
    expect(ours).toEqual(upstream);
    // Every case changes these inputs, or it proves little.
    expect(upstream).not.toEqual(flatten(signal, decodeRequest(signal, jsonToProtobuf(signal, input))));
  });

  test.each(SIGNALS)('%s: the shared inputs', async (signal) => {
    const { ours, upstream } = await pair.send(signal, REQUESTS[signal]());
    expect(upstream.length).toBeGreaterThan(0);
    expect(ours).toEqual(upstream);
  });
});

/** The README's PII preset: its processors, in its traces pipeline's order. */
function readmePreset(): { processors: Record<string, unknown>; order: string[] } {
  const readme = readFileSync(new URL('../../src/collector/README.md', import.meta.url), 'utf8');
  const block = /PII preset[^]*?```yaml\n([^]*?)```/.exec(readme)![1]!;
  const preset = parse(block) as { processors: Record<string, unknown>; service: { pipelines: { traces: { processors: string[] } } } };
  return { processors: preset.processors, order: preset.service.pipelines.traces.processors.filter((id) => id in preset.processors) };
}

describe('redaction: the README\'s PII preset', () => {
  let pair: Differential;
  beforeAll(async () => {
    const { processors, order } = readmePreset();
    pair = await startDifferential({ processors, pipelines: { traces: order, logs: order, metrics: order } });
  });
  afterAll(() => pair?.stop());

  test.each(SIGNALS)('%s', async (signal) => {
    const { ours, upstream, codes } = await pair.send(signal, INPUTS[signal]());
    expect(codes).toEqual({ ours: 0, upstream: 0 });
    expect(ours).toEqual(upstream);
    const text = JSON.stringify(upstream);
    for (const secret of ['4111 1111', 'ann@example.com', 'Bearer abc', 'tok_live']) expect(text).not.toContain(secret);
    // The attributes processor deletes the header from spans, log records and data points (span events keep it, masked).
    const itemKeys = upstream.flatMap((entry) => ((entry.item as { attributes?: { key: string }[] }).attributes ?? []).map((a) => a.key));
    expect(itemKeys).not.toContain('http.request.header.authorization');
    expect(text).toContain('redaction.masked.count');
  });
});
