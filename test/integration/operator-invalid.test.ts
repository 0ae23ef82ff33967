// What the schema forbids is refused by the API server with the field and the reason, including every check
// that once failed only at render (ConfigValid=False, RenderFailed): render cannot fail for an admitted spec
// (test/integration/admission.test.ts checks that over generated specs).
import { ApiError } from '../../src/operator/kube/errors.ts';
import type { OperatorHandle } from '../../src/operator/main.ts';
import {
  createPipeline,
  inProcessOperator,
  pipeline,
  useTestNamespace,
} from './operator-helpers.ts';

let operator: OperatorHandle;

const ctx = useTestNamespace('op-invalid');

beforeAll(async () => {
  operator = await inProcessOperator(ctx.cluster.kubeconfig, ctx.ns);
  await operator.synced;
  ctx.cleanup.push(() => operator.stop());
});

async function rejection(obj: ReturnType<typeof pipeline>): Promise<ApiError> {
  try {
    await createPipeline(ctx.cluster.client, obj);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('the API server accepted an invalid pipeline');
}

test.each([
  ['minReplicas above maxReplicas', { scaling: { enabled: true, minReplicas: 5, maxReplicas: 2 } }, /spec\.scaling\.minReplicas.*minReplicas must not exceed maxReplicas/],
  ['an unknown batch profile', { processors: { batch: { profile: 'turbo' } } }, /spec\.processors\.batch\.profile.*Unsupported value: "turbo"/],
  ['no exporter', { exporters: [] }, /spec\.exporters.*should have at least 1 items|spec\.exporters.*must have at least 1 items/],
  [
    'an endpoint that is not host:port',
    { exporters: [{ name: 'backend', otlp: { endpoint: 'not a host and port' } }] },
    /spec\.exporters\[0\]\.otlp\.endpoint: Invalid value: "not a host and port": spec\.exporters\[0\]\.otlp\.endpoint in body should match/,
  ],
  [
    'a batch size above the profile maximum',
    { processors: { batch: { profile: 'lowLatency', sendBatchSize: 5000 } } },
    /spec\.processors\.batch\.sendBatchMaxSize: Invalid value: sendBatchMaxSize must be 0 or at least sendBatchSize/,
  ],
  [
    'a regular expression Go cannot compile',
    { processors: { filter: { spans: { nameMatches: ['a{1001}'] } } } },
    /spec\.processors\.filter\.spans\.nameMatches\[0\]: Invalid value: "string": error parsing regexp: invalid repeat count: `\{1001\}` evaluating rule: must be an RE2 regular expression/,
  ],
  [
    'a memory limit too small for the heap',
    { resources: { requests: { memory: '64Mi' }, limits: { memory: '100Mi' } } },
    /spec\.resources\.limits\.memory: Invalid value: leaves the collector less than a 64 MiB heap/,
  ],
  [
    'a header set twice',
    { exporters: [{ name: 'b', otlp: { endpoint: 'b:4317', headers: { 'X-Key': 'a' }, headersFrom: [{ name: 'x-key', secretKeyRef: { name: 's', key: 'k' } }] } }] },
    /spec\.exporters\[0\]\.otlp: Invalid value: a header is set twice/,
  ],
  [
    'a binary gRPC header',
    { exporters: [{ name: 'b', otlp: { endpoint: 'b:4317', headers: { 'trace-bin': 'a' } } }] },
    /spec\.exporters\[0\]\.otlp\.headers: Invalid value: header names must be a gRPC metadata key/,
  ],
])('the CRD rejects %s with the API server message', async (_name, spec, message) => {
  const err = await rejection(pipeline(ctx.ns, 'bad', spec));
  expect(err.status).toBe(422);
  expect(err.reason).toBe('Invalid');
  expect(err.message).toMatch(message);
});
