// The redaction processor's rules on one attribute list or log body, its Go-style replace and its config checks.
import { createHash } from 'node:crypto';
import { compileRe2 } from '../../../src/contract/re2.ts';
import type { JsonObject } from '../../../src/collector/otlp/decode.ts';
import { replaceAllFunc } from '../../../src/collector/processors/go-replace.ts';
import { parseRequest } from '../../../src/collector/otlp/index.ts';
import { redactionProcessorFactory } from '../../../src/collector/processors/redaction.ts';
import { redactionConfigSchema } from '../../../src/collector/processors/redaction-config.ts';
import { Redactor, type KeyValue } from '../../../src/collector/processors/redaction-rules.ts';
import { normalized } from '../../conformance/support/flatten.ts';
import { makeSpans, sdkProtobuf } from '../otlp/sdk-fixtures.ts';
import { attributesOf, itemOf, items, runProcessor } from './harness.ts';

const s = (value: string) => ({ stringValue: value });
const i = (value: number) => ({ intValue: String(value) });
const attrs = (entries: Record<string, object>): KeyValue[] => Object.entries(entries).map(([key, value]) => ({ key, value: value as KeyValue['value'] }));
const redactor = (config: object) => new Redactor(redactionConfigSchema.parse(config));
const CARD = '\\b(?:\\d[ -]?){15}\\d\\b';

test.each([
  ['.*', 'abc', '*'],
  ['.*', '', '*'],
  ['.*', 'a\nb', '*\n*'],
  ['a*', 'baaac', '*b*c*'],
  ['x*', 'ab', '*a*b*'],
  ['\\d{4}', '1234-5678 9', '*-* 9'],
  ['^a', 'aa', '*a'],
])('replaceAllFunc(%j, %j) = %j, as Go', (pattern, text, expected) => {
  expect(replaceAllFunc(compileRe2(pattern), text, () => '*')).toBe(expected);
});

const INPUT = attrs({ 'http.route': s('/pay'), card: s('x 4111 1111 1111 1111 y'), 'user.email': s('a@b.io'), count: i(4111), 'session.id': s('4111111111111111') });

test.each<[string, object, Record<string, object>]>([
  ['nothing allowed: every key goes (fails closed)', {}, {}],
  ['allowed_keys keep theirs', { allowed_keys: ['http.route', 'card'] }, { 'http.route': s('/pay'), card: s('x 4111 1111 1111 1111 y') }],
  ['blocked_values mask the match', { allowed_keys: ['card', 'count'], blocked_values: [CARD] }, { card: s('x **** y'), count: i(4111) }],
  ['only strings are masked by default', { allow_all_keys: true, blocked_values: ['4111'] }, {
    'http.route': s('/pay'), card: s('x **** 1111 1111 1111 y'), 'user.email': s('a@b.io'), count: i(4111), 'session.id': s('****111111111111'),
  }],
  ['redact_all_types masks numbers as strings', { allow_all_keys: true, blocked_values: ['^4111$'], redact_all_types: true }, {
    'http.route': s('/pay'), card: s('x 4111 1111 1111 1111 y'), 'user.email': s('a@b.io'), count: s('****'), 'session.id': s('4111111111111111'),
  }],
  ['ignored keys pass untouched', { allowed_keys: ['card'], ignored_keys: ['session.id'], blocked_values: [CARD] }, { card: s('x **** y'), 'session.id': s('4111111111111111') }],
  ['blocked_key_patterns mask the whole value, a number too', { allow_all_keys: true, blocked_key_patterns: ['^(card|count)$'] }, {
    'http.route': s('/pay'), card: s('****'), 'user.email': s('a@b.io'), count: s('****'), 'session.id': s('4111111111111111'),
  }],
  ['allowed_values win over blocked ones', { allow_all_keys: true, blocked_values: ['\\d'], allowed_values: ['^x '] }, {
    'http.route': s('/pay'), card: s('x 4111 1111 1111 1111 y'), 'user.email': s('a@b.io'), count: i(4111), 'session.id': s('****'.repeat(16)),
  }],
  ['hash_function hashes each match', { allowed_keys: ['session.id'], blocked_values: ['^\\d{4}'], hash_function: 'MD5' }, {
    'session.id': s(`${createHash('md5').update('4111').digest('hex')}111111111111`),
  }],
  ['summary info counts', { allowed_keys: ['card'], blocked_values: [CARD], ignored_keys: ['session.id'], summary: 'info' }, {
    card: s('x **** y'), 'session.id': s('4111111111111111'), 'redaction.redacted.count': i(3), 'redaction.masked.count': i(1), 'redaction.ignored.count': i(1),
  }],
  ['summary debug lists sorted keys', { allowed_keys: ['card'], blocked_values: [CARD], summary: 'debug' }, {
    card: s('x **** y'), 'redaction.redacted.keys': s('count,http.route,session.id,user.email'), 'redaction.redacted.count': i(4),
    'redaction.masked.keys': s('card'), 'redaction.masked.count': i(1),
  }],
  ['summary silent adds nothing', { allowed_keys: ['card'], blocked_values: [CARD], summary: 'silent' }, { card: s('x **** y') }],
])('%s', (_name, config, expected) => {
  expect(Object.fromEntries(redactor(config).attributes(INPUT).map((entry) => [entry.key, entry.value]))).toEqual(expected);
});

test('summaries add to earlier ones: keys merged and sorted, counts summed', () => {
  const earlier = attrs({ card: s('4111 1111 1111 1111'), 'redaction.masked.keys': s('zeta,alpha'), 'redaction.masked.count': i(2) });
  expect(redactor({ allowed_keys: ['card'], blocked_values: [CARD], summary: 'debug' }).attributes(earlier)).toEqual(attrs({
    card: s('****'), 'redaction.masked.keys': s('alpha,card,zeta'), 'redaction.masked.count': i(3),
  }));
});

test('a map body: keys not allowed removed, blocked keys masked, nested paths in the body summary', () => {
  const body = { kvlistValue: { values: attrs({
    'user.email': s('a@b.io'), note: s('card 4111111111111111'), token: i(7),
    nested: { kvlistValue: { values: attrs({ note: s('ok'), secret: s('x') }) } },
    list: { arrayValue: { values: [s('4111111111111111')] } },
  }) } };
  const result = redactor({ allowed_keys: ['note', 'token', 'nested', 'list'], blocked_key_patterns: ['^token$'], blocked_values: [CARD], summary: 'debug' })
    .logBody(body as unknown as JsonObject, []);
  expect(result.body).toEqual({ kvlistValue: { values: attrs({
    note: s('card ****'), token: s('****'), nested: { kvlistValue: { values: attrs({ note: s('ok') }) } }, list: { arrayValue: { values: [s('****')] } },
  }) } });
  expect(result.attributes).toEqual(attrs({
    'redaction.body.redacted.keys': s('nested.secret,user.email'), 'redaction.body.redacted.count': i(2),
    'redaction.body.masked.keys': s('list.[0],note,token'), 'redaction.body.masked.count': i(3),
  }));
});

test('a scalar body is masked as text; an allowed value is left with no summary', () => {
  const config = { blocked_values: ['\\d+'], allowed_values: ['^ok'], summary: 'info' };
  expect(redactor(config).logBody(i(42), [])).toEqual({ body: s('****'), attributes: attrs({ 'redaction.body.masked.count': i(1) }) });
  expect(redactor(config).logBody(s('ok 42'), [])).toEqual({ body: s('ok 42'), attributes: [] });
});

test.each<[string, object, string[]]>([
  ['an unknown hash function', { hash_function: 'sha256' }, ['hash_function: unknown HashFunction sha256, allowed functions are sha1, sha3, md5, hmac-sha256 and hmac-sha512']],
  ['hmac without a key', { hash_function: 'hmac-sha256' }, ['hmac_key: hmac_key must not be empty when hash_function is "hmac-sha256"']],
  ['a short hmac key', { hash_function: 'HMAC-SHA512', hmac_key: 'k'.repeat(32) }, ['hmac_key: hmac_key must be at least 64 bytes long for "hmac-sha512", got 32 bytes']],
  ['a pattern that is not RE2', { blocked_values: ['ok', 'a(?=b)'] }, ['blocked_values.1: invalid regular expression']],
  ['the database sanitizer', { db_sanitizer: { sql: { enabled: true } } }, ['db_sanitizer: unsupported: database query sanitization (db_sanitizer)']],
  ['the URL sanitizer', { url_sanitizer: { enabled: true } }, ['url_sanitizer: unsupported: URL sanitization (url_sanitizer)']],
])('config: %s', (_name, config, expected) => {
  const result = redactionConfigSchema.safeParse(config);
  expect(result.success).toBe(false);
  const issues = result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  expect(issues).toHaveLength(expected.length);
  expected.forEach((prefix, index) => expect(issues[index]).toContain(prefix));
});

test('the processor redacts resource, span and event attributes of SDK spans, and leaves one it does not change equal', async () => {
  const request = parseRequest('traces', sdkProtobuf('traces', makeSpans()));
  const { outputs } = await runProcessor(redactionProcessorFactory, { summary: 'info' }, 'traces', [request]);
  const out = items('traces', outputs);
  expect(out.length).toBe(request.items);
  for (const entry of out) {
    const item = itemOf(entry);
    expect(Object.keys(attributesOf(entry.resource)).filter((key) => !key.startsWith('redaction.'))).toEqual([]);
    expect(Object.keys(attributesOf(item)).filter((key) => !key.startsWith('redaction.'))).toEqual([]);
    for (const event of item.events ?? []) expect(Object.keys(attributesOf(event)).filter((key) => !key.startsWith('redaction.'))).toEqual([]);
  }
  const kept = await runProcessor(redactionProcessorFactory, { allow_all_keys: true }, 'traces', [request]);
  // Equal but for the zero-valued fields the SDK wrote out, which protobuf encoders (upstream's too) leave out.
  expect(normalized(items('traces', kept.outputs))).toEqual(normalized(items('traces', [request])));
});
