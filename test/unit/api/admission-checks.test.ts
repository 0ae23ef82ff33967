// Checks that used to fail only at render (ConfigValid=False, RenderFailed) now belong to the schema, so parseSpec
// and the API server (the same rules in the CRD, see test/integration/admission.test.ts) refuse them up front.
import { parseSpec } from '../../../src/api/telemetry-pipeline.ts';

const otlp = (endpoint: string, extra: Record<string, unknown> = {}) => ({ exporters: [{ name: 'b', otlp: { endpoint, ...extra } }] });
const otlphttp = (endpoint: string) => ({ exporters: [{ name: 'b', otlphttp: { endpoint } }] });

function issuesOf(raw: unknown) {
  const result = parseSpec(raw);
  return result.ok ? [] : result.issues;
}

test.each(['backend.observability.svc:4317', 'backend:4317', 'Backend.Example.COM:443', 'backend.:4317', '127.0.0.1:4317', '[::1]:4317', 'a:1', 'a:65535'])(
  'gRPC endpoint %p is host:port',
  (endpoint) => {
    expect(issuesOf(otlp(endpoint))).toEqual([]);
  },
);

test.each(['backend', 'backend:', ':4317', 'backend:0', 'backend:04317', 'backend:65536', 'backend:http', 'http://backend:4317', 'backend:4317/v1', 'back end:4317', '-backend:4317', '::1:4317'])(
  'gRPC endpoint %p is refused with the field path',
  (endpoint) => {
    expect(issuesOf(otlp(endpoint))).toEqual([{ path: 'spec.exporters[0].otlp.endpoint', message: 'must be host:port, for example backend.observability.svc:4317' }]);
  },
);

test.each(['http://backend.observability.svc:4318', 'https://otlp.example.com', 'http://backend:4318/custom/prefix', 'https://[::1]:4318/', 'http://b/a%20b'])(
  'HTTP endpoint %p is a base URL',
  (endpoint) => {
    expect(issuesOf(otlphttp(endpoint))).toEqual([]);
    expect(() => new URL(endpoint)).not.toThrow();
  },
);

test.each(['backend:4318', 'ftp://backend:21', 'http://user:secret@backend:4318', 'http://backend:4318/?x=1', 'http://backend:4318/#x', 'not a url', 'http://b/%zz', 'HTTP://backend'])(
  'HTTP endpoint %p is refused',
  (endpoint) => {
    expect(issuesOf(otlphttp(endpoint)).map((i) => i.path)).toEqual(['spec.exporters[0].otlphttp.endpoint']);
  },
);

test.each<[string, Record<string, unknown>, string, RegExp]>([
  ['an invalid header name', { headers: { 'bad header': 'x' } }, 'spec.exporters[0].otlp.headers.bad header', /must be a gRPC metadata key/],
  ['an invalid headersFrom name', { headersFrom: [{ name: 'x api key', secretKeyRef: { name: 's', key: 'k' } }] }, 'spec.exporters[0].otlp.headersFrom[0].name', /must be a gRPC metadata key/],
  [
    'a header in headers and headersFrom (case-insensitive)',
    { headers: { 'X-Api-Key': 'k' }, headersFrom: [{ name: 'x-api-key', secretKeyRef: { name: 's', key: 'k' } }] },
    'spec.exporters[0].otlp',
    /set twice/,
  ],
  ['two headers differing in case', { headers: { Auth: 'a', auth: 'b' } }, 'spec.exporters[0].otlp', /set twice/],
  ['a binary gRPC metadata key', { headers: { 'trace-Bin': 'x' } }, 'spec.exporters[0].otlp.headers.trace-Bin', /not ending in -bin/],
  ['an HTTP token that is no gRPC metadata key', { headers: { 'x!': 'x' } }, 'spec.exporters[0].otlp.headers.x!', /must be a gRPC metadata key/],
])('%s is refused with the field path', (_name, extra, path, message) => {
  const issues = issuesOf(otlp('backend:4317', extra));
  expect(issues).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
});

test.each<[string, Record<string, unknown>, boolean]>([
  ['lowLatency with a size above its max', { profile: 'lowLatency', sendBatchSize: 5000 }, false],
  ['a max below the balanced size', { sendBatchMaxSize: 100 }, false],
  ['a size above the default max', { sendBatchSize: 10001 }, false],
  ['size and max set together', { profile: 'lowLatency', sendBatchSize: 5000, sendBatchMaxSize: 5000 }, true],
  ['max 0 (no bound)', { sendBatchSize: 50000, sendBatchMaxSize: 0 }, true],
  ['a size within the profile max', { profile: 'highThroughput', sendBatchSize: 20000 }, true],
])('batch bounds with the profile filling in: %s', (_name, batch, ok) => {
  const issues = issuesOf({ ...otlp('backend:4317'), processors: { batch } });
  expect(issues).toEqual(ok ? [] : [expect.objectContaining({ path: 'spec.processors.batch.sendBatchMaxSize', message: expect.stringMatching(/at least sendBatchSize/) })]);
});

test.each<[string | number, Record<string, unknown>, boolean]>([
  ['128Mi', {}, true],
  ['100Mi', {}, false],
  ['64Mi', {}, false],
  ['90Mi', { limitPercent: 95, spikePercent: 0 }, true],
  ['69Mi', { limitPercent: 95, spikePercent: 1 }, true],
  ['68Mi', { limitPercent: 95, spikePercent: 1 }, false],
  [200_000_000, { limitPercent: 50 }, true],
])('memory limit %p with %p leaves a heap of 64 MiB: %p', (memory, memoryLimiter, ok) => {
  const issues = issuesOf({ ...otlp('backend:4317'), resources: { requests: { memory: '10Mi' }, limits: { memory } }, memoryLimiter });
  expect(issues).toEqual(ok ? [] : [expect.objectContaining({ path: 'spec.resources.limits.memory', message: expect.stringMatching(/less than a 64 MiB heap/) })]);
});
