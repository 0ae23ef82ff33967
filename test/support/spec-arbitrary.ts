// Generated TelemetryPipeline specs for the admission property (issue 13, item 5). Every field is drawn from values
// on both sides of its rules (valid ones, invalid ones and the edges between), valid ten times as often, so a
// sample holds admitted and refused specs in similar numbers and each rule is exercised from both sides.
import fc from 'fast-check';

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
const pick = <T>(...values: T[]) => fc.constantFrom(...values);
/** Mostly one of `valid`, sometimes one of `invalid`. */
const either = <T>(valid: readonly T[], invalid: readonly T[]) =>
  fc.oneof({ arbitrary: pick(...valid), weight: 10 }, { arbitrary: pick(...invalid), weight: 1 });

/** RE2 syntax, valid and invalid for Go's parser (and so for re2js): Perl-only syntax, repeat limits, classes. */
export const VALID_REGEXES = ['^a.*$', '(?<n>x)', '(?P<n>x)', '\\pL', '\\p{Greek}', 'a{2,1000}', '\\C', '(?i)abc', '\\Q.*\\E', '[[:alpha:]]', '\\b', 'a|', '\\z', '(?s).', '[\\d-z]', '\\x{10FFFF}', '(?U)a+', '[]a]', 'say "hi"\\d', '^GET /healthz$'];
export const INVALID_REGEXES = ['[a', 'a{1001}', 'x**', '[[:foo:]]', '\\8', '(?=x)', '\\x{110000}', '(a', 'a)', '*', '\\', '(?i'];

const GRPC = ['backend:4317', 'a.b.c:1', '[::1]:4317', '198.19.250.1:65535', 'x.:80'];
const BAD_GRPC = ['backend', 'backend:0', 'backend:65536', 'http://a:1', 'a b:1', '-a:1', 'a:04317', '::1:4317', 'a:4317/x'];
const HTTP = ['http://a:4318', 'https://a.b/p/q', 'http://[::1]:1/', 'http://b/a%20b'];
const BAD_HTTP = ['a:4318', 'ftp://a', 'http://u:p@a', 'http://a/?x', 'http://a/#f', 'http://a/%zz', 'HTTP://A', 'http://a:0'];
const HEADERS = ['x-api-key', 'X-Tenant', 'authorization', "ok!#$%&'*+.^_`|~"];
const BAD_HEADERS = ['bad header', 'a:b', 'ü', ''];
const MEMORY = ['90Mi', '128Mi', '0.1Gi', '1Gi', '2Gi', 200_000_000, '1e8', '500M', '1.5Gi', '1Ei'];
const BAD_MEMORY = ['64Mi', '85Mi', '86Mi', '100Mi'];
const LABEL_KEYS = ['a', 'example.com/x', 'A_b.c', `${'x'.repeat(253)}/y`, 'kubernetes.io/os'];
const BAD_LABEL_KEYS = ['-bad', 'a/b/c', `${'x'.repeat(254)}/y`, 'x'.repeat(64)];
const LABEL_VALUES = ['', 'linux', 'a'.repeat(63)];
const BAD_LABEL_VALUES = ['bad value', 'a'.repeat(64)];

const regex = either(VALID_REGEXES, INVALID_REGEXES);
const headerName = either(HEADERS, BAD_HEADERS);
const labelKey = either(LABEL_KEYS, BAD_LABEL_KEYS);
const labelValue = either(LABEL_VALUES, BAD_LABEL_VALUES);

const headers = fc.dictionary(headerName, fc.string({ maxLength: 8 }), { maxKeys: 2 });
const headersFrom = fc.array(fc.record({ name: headerName, secretKeyRef: fc.constant({ name: 'creds', key: 'k' }) }), { maxLength: 2 });

// Secrets named for TLS and bearer tokens (issue 15): Secret names and keys, valid or not. These fields are many, so
// their invalid values are rarer than elsewhere, to keep a sample's admitted share.
const seldom = <T>(valid: readonly T[], invalid: readonly T[]) =>
  fc.oneof({ arbitrary: pick(...valid), weight: 40 }, { arbitrary: pick(...invalid), weight: 1 });
const secretName = seldom(['tls', 'tempo-ca.v2'], ['Bad_Name']);
const secretKey = seldom(['ca.crt', 'token', 'my_key-1'], ['a/b']);
const keyed = fc.record({ name: secretName, key: secretKey }, { requiredKeys: ['name'] });
const bearerAuth = fc.record({ bearerTokenSecret: keyed });
// Exactly one kind per auth block is admitted; both at once is the invalid case, and rare.
const receiverAuth = fc.oneof({ arbitrary: bearerAuth, weight: 20 }, { arbitrary: fc.record({ htpasswdSecret: keyed }), weight: 20 }, { arbitrary: fc.record({ bearerTokenSecret: keyed, htpasswdSecret: keyed }), weight: 1 });
const exporterAuth = fc.oneof({ arbitrary: bearerAuth, weight: 20 }, { arbitrary: fc.record({ basicAuthSecret: fc.record({ name: secretName }) }), weight: 20 }, { arbitrary: fc.constant({}), weight: 1 });
const exporterTls = fc.record({ caSecret: opt(keyed), certificateSecret: opt(fc.record({ name: secretName })), insecureSkipVerify: fc.boolean() }, { requiredKeys: [] });
const receiverTls = fc.record(
  { certificateSecret: fc.record({ name: secretName }), clientCASecret: keyed, minVersion: seldom(['1.2', '1.3'], ['1.1']) },
  { requiredKeys: [] },
);
const receivers = fc.record({ otlp: fc.record({ tls: opt(receiverTls), auth: opt(receiverAuth) }, { requiredKeys: [] }) });

const exporter = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      name: either(['backend'], ['Bad']),
      otlp: fc.record(
        { endpoint: either(GRPC, BAD_GRPC), headers: opt(headers), headersFrom: opt(headersFrom), insecure: opt(seldom([false], [true])), tls: opt(exporterTls), auth: opt(exporterAuth) },
        { requiredKeys: ['endpoint'] },
      ),
    }),
  },
  { weight: 5, arbitrary: fc.record({ name: pick('archive'), otlphttp: fc.record({ endpoint: either(HTTP, BAD_HTTP), headers: opt(headers) }, { requiredKeys: ['endpoint'] }) }) },
  { weight: 1, arbitrary: fc.record({ name: pick('both'), otlp: fc.constant({ endpoint: 'a:1' }), otlphttp: fc.constant({ endpoint: 'http://a' }) }) },
);

const batch = fc.record(
  {
    profile: pick('lowLatency', 'balanced', 'highThroughput'),
    sendBatchSize: pick(1, 512, 1000, 5000, 8192, 10000, 10001, 16384, 20000, 20001, 1_000_000),
    sendBatchMaxSize: pick(0, 50, 1000, 10000, 20000, 1_000_000),
    timeout: either(['1s', '200ms'], ['0s']),
  },
  { requiredKeys: [] },
);

const attributeAction = fc.oneof(
  { weight: 4, arbitrary: fc.record({ action: pick('delete', 'hash'), pattern: regex }) },
  { weight: 4, arbitrary: fc.record({ action: pick('delete', 'hash'), key: pick('internal.secret', 'env') }) },
  { weight: 4, arbitrary: fc.record({ action: pick('insert', 'update', 'upsert'), key: pick('env'), value: pick('prod', '$x') }) },
  { weight: 1, arbitrary: fc.record({ action: pick('upsert'), key: pick('env'), value: pick('x'), fromAttribute: pick('other') }) },
  { weight: 1, arbitrary: fc.record({ action: pick('upsert'), pattern: pick('^a'), value: pick('x') }) },
);

const attributeMatches = fc.array(fc.record({ key: pick('http.route', 'level'), value: regex }), { maxLength: 2 });

const processors = fc.record(
  {
    batch,
    attributes: fc.array(attributeAction, { maxLength: 2 }),
    filter: fc.record(
      {
        spans: fc.record({ nameMatches: fc.array(regex, { maxLength: 2 }), attributeMatches }, { requiredKeys: [] }),
        logRecords: fc.record({ attributeMatches }),
        dataPoints: fc.record({ attributeMatches }),
      },
      { requiredKeys: [] },
    ),
    sampling: fc.record({ percentage: pick(0, 10, 50.5, 100) }),
  },
  { requiredKeys: [] },
);

const resources = fc.record({
  requests: fc.record({ memory: either(['1Mi', '64Mi'], ['3Gi']), cpu: pick('100m') }),
  limits: fc.record({ memory: either(MEMORY, BAD_MEMORY), cpu: pick('1', '500m') }, { requiredKeys: [] }),
});

const memoryLimiter = fc.record({ limitPercent: pick(10, 50, 75, 95), spikePercent: pick(0, 1, 25, 50) }, { requiredKeys: [] });

const scaling = fc.record(
  { enabled: fc.boolean(), minReplicas: either([1, 3], [40]), maxReplicas: pick(2, 30), targetUtilization: pick(0.7, 1) },
  { requiredKeys: [] },
);

const toleration = fc.oneof(
  fc.record({ key: labelKey, operator: pick('Equal'), value: labelValue, effect: pick('NoSchedule', 'NoExecute') }, { requiredKeys: ['key'] }),
  fc.record({ key: opt(labelKey), operator: pick('Exists'), effect: pick('NoExecute'), tolerationSeconds: pick(0, 60) }, { requiredKeys: ['operator'] }),
);

/** A raw spec (what a user writes), valid or not. */
export const rawSpec: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    signals: fc.subarray(['traces', 'metrics', 'logs'], { minLength: 1 }),
    exporters: fc.array(exporter, { minLength: 1, maxLength: 2 }),
    receivers,
    processors,
    resources,
    memoryLimiter,
    scaling,
    replicas: pick(0, 3, 5),
    nodeSelector: fc.dictionary(labelKey, labelValue, { maxKeys: 2 }),
    tolerations: fc.array(toleration, { maxLength: 2 }),
  },
  { requiredKeys: ['exporters'] },
);
