// attributes processor on requests from the OpenTelemetry JS SDK serializers.
import { createHash } from 'node:crypto';
import type { Signal } from '../../../src/collector/component.ts';
import { parseRequest } from '../../../src/collector/otlp/index.ts';
import { attributesProcessorFactory } from '../../../src/collector/processors/attributes.ts';
import { makeLogs, makeMetrics, makeSpans, sdkProtobuf } from '../otlp/sdk-fixtures.ts';
import { attributesOf, configErrors, itemOf, items, runProcessor } from './harness.ts';

const spans = () => parseRequest('traces', sdkProtobuf('traces', makeSpans()));
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

async function spanAttributes(actions: unknown[]): Promise<Record<string, unknown>[]> {
  const { outputs } = await runProcessor(attributesProcessorFactory, { actions }, 'traces', [spans()]);
  return items('traces', outputs).map((entry) => attributesOf(itemOf(entry)));
}

describe('attributes processor on spans', () => {
  test.each<[string, unknown[], (attrs: Record<string, unknown>[]) => void]>([
    ['insert adds where absent, keeps where present', [{ key: 'http.route', value: '/x', action: 'insert' }, { key: 'env', value: 'prod', action: 'insert' }], (attrs) => {
      expect(attrs.map((a) => a['http.route'])).toEqual(['/cart', undefined, '/x', '/healthz'].map((r, i) => (i === 1 ? '/x' : r)));
      expect(attrs.every((a) => a.env === 'prod')).toBe(true);
    }],
    ['update changes only existing keys', [{ key: 'http.route', value: '/redacted', action: 'update' }], (attrs) => {
      expect(attrs.map((a) => a['http.route'])).toEqual(['/redacted', undefined, undefined, '/redacted']);
    }],
    ['upsert sets everywhere, typed from the config value', [{ key: 'tenant', value: 42, action: 'UPSERT' }, { key: 'ratio', value: 0.5, action: 'upsert' }], (attrs) => {
      expect(attrs.map((a) => a.tenant)).toEqual([42, 42, 42, 42]);
      expect(attrs.map((a) => a.ratio)).toEqual([0.5, 0.5, 0.5, 0.5]);
    }],
    ['delete by key and by pattern', [{ key: 'user.id', action: 'delete' }, { pattern: '^(internal|db)\\.', action: 'delete' }], (attrs) => {
      expect(attrs[0]).toEqual({ 'http.request.method': 'GET', 'http.route': '/cart', 'http.response.status_code': 200 });
      expect(attrs[1]).toEqual({});
    }],
    ['hash replaces values with their SHA-256 hex, ints by their 8 little-endian bytes', [{ key: 'user.id', action: 'hash' }, { key: 'http.response.status_code', action: 'hash' }], (attrs) => {
      const int = Buffer.alloc(8);
      int.writeBigInt64LE(200n);
      expect(attrs[0]!['user.id']).toBe(sha256('u-17'));
      expect(attrs[0]!['http.response.status_code']).toBe(sha256(int));
      expect(attrs[3]!['user.id']).toBeUndefined();
    }],
    ['from_attribute copies, default_value fills in when the source is missing', [{ key: 'route.copy', from_attribute: 'http.route', action: 'insert' }, { key: 'db', from_attribute: 'db.system', default_value: 'none', action: 'upsert' }], (attrs) => {
      expect(attrs.map((a) => a['route.copy'])).toEqual(['/cart', undefined, undefined, '/healthz']);
      expect(attrs.map((a) => a.db)).toEqual(['none', 'postgresql', 'none', 'none']);
    }],
    ['hash of an empty string is the SHA-256 of no bytes', [{ key: 'e', value: '', action: 'insert' }, { key: 'e', action: 'hash' }], (attrs) => {
      expect(attrs[0]!.e).toBe(sha256(''));
    }],
    ['extract writes the named groups of the first match; a group that took no part is ""', [{ key: 'http.route', pattern: '^/(?P<section>[a-z]+)(?P<rest>/.+)?$', action: 'extract' }], (attrs) => {
      expect(attrs.map((a) => [a.section, a.rest])).toEqual([['cart', ''], [undefined, undefined], [undefined, undefined], ['healthz', '']]);
    }],
    ['convert to string, double and int; values that do not convert stay', [
      { key: 'http.response.status_code', action: 'convert', converted_type: 'string' },
      { key: 'ratio', value: '2.5e1', action: 'insert' }, { key: 'ratio', action: 'convert', converted_type: 'double' },
      { key: 'count', value: '12x', action: 'insert' }, { key: 'count', action: 'convert', converted_type: 'int' },
      { key: 'whole', value: 7.9, action: 'insert' }, { key: 'whole', action: 'convert', converted_type: 'int' },
    ], (attrs) => {
      expect([attrs[0]!['http.response.status_code'], attrs[0]!.ratio, attrs[0]!.count, attrs[0]!.whole]).toEqual(['200', 25, '12x', 7]);
    }],
    ['actions apply in order', [{ key: 'x', value: 'first', action: 'insert' }, { key: 'x', value: 'second', action: 'insert' }, { key: 'x', action: 'hash' }], (attrs) => {
      expect(attrs[0]!.x).toBe(sha256('first'));
    }],
  ])('%s', async (_name, actions, check) => {
    check(await spanAttributes(actions));
  });

  test('everything but the attributes stays as it was', async () => {
    const payload = spans();
    const before = items('traces', [payload]);
    const { outputs } = await runProcessor(attributesProcessorFactory, { actions: [{ key: 'env', value: 'prod', action: 'upsert' }] }, 'traces', [payload]);
    const after = items('traces', outputs);
    const strip = (entry: Record<string, any>) => ({ ...entry, item: { ...entry.item, attributes: undefined } });
    expect(after.map(strip)).toEqual(before.map(strip));
  });

  test('a request no action touches is passed on as the same payload', async () => {
    const payload = spans();
    const { outputs } = await runProcessor(attributesProcessorFactory, { actions: [{ key: 'absent', action: 'delete' }, { key: 'absent', value: 'x', action: 'update' }] }, 'traces', [payload]);
    expect(outputs).toHaveLength(1);
    expect(outputs[0]!.resources.every((entry, i) => entry === payload.resources[i])).toBe(true);
  });
});

describe('attributes processor on logs and metrics', () => {
  test.each<[Signal, () => Promise<Uint8Array>]>([
    ['logs', async () => sdkProtobuf('logs', makeLogs())],
    ['metrics', async () => sdkProtobuf('metrics', [await makeMetrics()])],
  ])('%s: item attributes change, resources do not', async (signal, request) => {
    const payload = parseRequest(signal, await request());
    const { outputs } = await runProcessor(attributesProcessorFactory, { actions: [{ key: 'env', value: 'prod', action: 'insert' }, { pattern: '^internal\\.', action: 'delete' }] }, signal, [payload]);
    const after = items(signal, outputs);
    expect(after).toHaveLength(payload.items);
    for (const entry of after) {
      const attrs = attributesOf(itemOf(entry));
      expect(attrs.env).toBe('prod');
      expect(Object.keys(attrs).some((key) => key.startsWith('internal.'))).toBe(false);
      expect(attributesOf(entry.resource).env).toBeUndefined();
    }
  });
});

describe('attributes processor config', () => {
  test.each<[string, unknown, string]>([
    ['no actions', { actions: [] }, 'actions: missing required field "actions"'],
    ['insert without key', { actions: [{ value: 1, action: 'insert' }] }, 'actions.0.key: "key" is required'],
    ['two value sources', { actions: [{ key: 'a', value: 1, from_attribute: 'b', action: 'upsert' }] }, 'actions.0.value: only one of "value", "from_attribute" and "from_context" may be set'],
    ['no value source', { actions: [{ key: 'a', action: 'update' }] }, 'actions.0.value: one of "value", "from_attribute", "from_context" or "default_value" is required'],
    ['pattern on insert', { actions: [{ key: 'a', value: 1, pattern: 'x', action: 'insert' }] }, 'actions.0.pattern: action "insert" does not use the "pattern" field'],
    ['delete without key or pattern', { actions: [{ action: 'delete' }] }, 'actions.0.key: at least one of "key" and "pattern" is required'],
    ['invalid pattern', { actions: [{ pattern: '(', action: 'hash' }] }, 'actions.0.pattern: invalid regular expression "("'],
    ['unknown action', { actions: [{ key: 'a', action: 'rename' }] }, 'actions.0.action: unsupported action "rename"'],
    ['extract without pattern', { actions: [{ key: 'a', action: 'extract' }] }, 'actions.0.pattern: "pattern" is required for action "extract"'],
    ['extract without named groups', { actions: [{ key: 'a', action: 'extract', pattern: '^a+$' }] }, 'actions.0.pattern: "pattern" contains no named matcher groups'],
    ['extract with an unnamed group', { actions: [{ key: 'a', action: 'extract', pattern: '(?P<x>a)(b)' }] }, 'actions.0.pattern: "pattern" contains at least one unnamed matcher group'],
    ['extract with a value', { actions: [{ key: 'a', action: 'extract', pattern: '(?P<x>a)', value: 'v' }] }, 'actions.0.value: action "extract" does not use a value source field'],
    ['convert without type', { actions: [{ key: 'a', action: 'convert' }] }, 'actions.0.converted_type: "converted_type" is required for action "convert"'],
    ['convert to a bad type', { actions: [{ key: 'a', action: 'convert', converted_type: 'bool' }] }, 'actions.0.converted_type: invalid value "bool"'],
    ['converted_type on upsert', { actions: [{ key: 'a', action: 'upsert', value: 1, converted_type: 'int' }] }, 'actions.0.converted_type: action "upsert" does not use the "converted_type" field'],
    ['from_context is not supported', { actions: [{ key: 'a', action: 'insert', from_context: 'metadata.x' }] }, 'actions.0.from_context: unsupported: from_context'],
    ['include properties not valid for logs', { actions: [{ key: 'a', action: 'delete' }], include: { match_type: 'strict', span_names: ['x'] } }, 'include: services, span_names, span_kinds and metric_names are not valid for log records'],
    ['include without match_type', { actions: [{ key: 'a', action: 'delete' }], include: { span_names: ['x'] } }, "include.match_type: unrecognized match_type: '', valid types are: [regexp strict]"],
    ['unknown field', { actions: [{ key: 'a', action: 'delete', from: 'x' }] }, 'actions.0: Unrecognized key: "from"'],
  ])('%s', (_name, config, message) => {
    expect(configErrors(attributesProcessorFactory, config).join('\n')).toContain(message);
  });
});
