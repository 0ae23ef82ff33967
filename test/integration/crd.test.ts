// The generated CRD on the real API server: it is accepted, its CEL rules and patterns reject what parseSpec
// rejects (same field path), its defaults equal parseSpec's, and kubectl sees the columns, descriptions and scale.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, CRD_NAME, GROUP, KIND, PLURAL, VERSION } from '../../src/api/constants.ts';
import { buildCrd } from '../../src/api/crd.ts';
import { parsePipeline } from '../../src/api/telemetry-pipeline.ts';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { binaryPath } from '../cluster/binaries.ts';
import { CLUSTER_TIMEOUT_MS, ensureCluster } from '../cluster/harness.ts';
import { waitFor } from '../cluster/probe.ts';

const ns = `crd-test-${randomBytes(3).toString('hex')}`;
const collection = `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`;
const EXPORTER = { name: 'backend', otlp: { endpoint: 'backend.observability.svc:4317' } };
let client: KubeClient;
let kubeconfig: string;

function object(spec: Record<string, unknown>, name = 'demo') {
  return { apiVersion: API_VERSION, kind: KIND, metadata: { name, namespace: ns }, spec };
}

/** The API server's message for a create, or undefined when it accepts it (dry run: nothing is stored). */
async function serverRejection(body: unknown): Promise<string | undefined> {
  try {
    await client.request('POST', collection, { body, query: { dryRun: 'All' } });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function kubectl(...args: string[]): string {
  return execFileSync(binaryPath('kubectl'), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });
}

beforeAll(async () => {
  ({ kubeconfig } = await ensureCluster());
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  client = new KubeClient(kc);
  await client.request('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD_NAME}`, {
    body: buildCrd(),
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: 'tpo-crd-test', force: true },
  });
  await client.request('POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
  // A schema update reaches the CR handler asynchronously: wait until a rule of this schema is enforced.
  await waitFor(
    'CRD served with the current schema',
    async () => {
      const message = await serverRejection(object({ exporters: [EXPORTER], scaling: { minReplicas: 5, maxReplicas: 4 } }));
      return { value: message?.includes('minReplicas must not exceed maxReplicas') ? true : undefined, observed: message ?? 'accepted' };
    },
    { timeoutMs: 30_000 },
  );
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  await client?.request('DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
  client?.close();
});

const long = 'a'.repeat(54);
// Every row has all five columns: a shorter row would make Jest pass `done` as the last argument.
test.each<[string, Record<string, unknown>, string, string, string]>([
  ['min above max', { scaling: { minReplicas: 9, maxReplicas: 4 } }, 'spec.scaling.minReplicas', 'minReplicas must not exceed maxReplicas', 'demo'],
  ['memory limit below request', { resources: { limits: { memory: '256Mi' } } }, 'spec.resources.limits.memory', 'limits.memory must be at least requests.memory', 'demo'],
  ['integer cpu limit below request', { resources: { requests: { cpu: '1500m' }, limits: { cpu: 1 } } }, 'spec.resources.limits.cpu', 'limits.cpu must be at least requests.cpu', 'demo'],
  ['malformed quantity', { resources: { limits: { memory: '2GB' } } }, 'spec.resources.limits.memory', 'spec.resources.limits.memory', 'demo'],
  ['duplicate exporter names', { exporters: [EXPORTER, EXPORTER] }, 'spec.exporters', 'exporter names must be unique', 'demo'],
  ['exporter with two protocols', { exporters: [{ ...EXPORTER, otlphttp: { endpoint: 'http://b:4318' } }] }, 'spec.exporters[0]', 'set exactly one of otlp or otlphttp', 'demo'],
  ['no receiver protocol', { receivers: { otlp: { grpc: { enabled: false }, http: { enabled: false } } } }, 'spec.receivers.otlp', 'enable at least one of grpc or http', 'demo'],
  [
    'retry initial above max',
    { exporters: [{ ...EXPORTER, retryOnFailure: { initialInterval: '2m' } }] },
    'spec.exporters[0].retryOnFailure.initialInterval',
    'initialInterval must not exceed maxInterval',
    'demo',
  ],
  ['batch max below size', { processors: { batch: { sendBatchSize: 100, sendBatchMaxSize: 10 } } }, 'spec.processors.batch.sendBatchMaxSize', 'sendBatchMaxSize must be 0 or at least sendBatchSize', 'demo'],
  ['pattern with upsert', { processors: { attributes: [{ action: 'upsert', pattern: 'x', value: 'y' }] } }, 'spec.processors.attributes[0].pattern', 'pattern is only allowed with the delete and hash actions', 'demo'],
  ['unknown batch profile', { processors: { batch: { profile: 'fast' } } }, 'spec.processors.batch.profile', 'spec.processors.batch.profile', 'demo'],
  ['utilization above 1', { scaling: { targetUtilization: 1.5 } }, 'spec.scaling.targetUtilization', 'spec.scaling.targetUtilization', 'demo'],
  ['toleration without key, operator Equal', { tolerations: [{ value: 'x' }] }, 'spec.tolerations[0].operator', 'operator must be Exists when key is left out', 'demo'],
  ['tolerationSeconds without NoExecute', { tolerations: [{ key: 'a', effect: 'NoSchedule', tolerationSeconds: 5 }] }, 'spec.tolerations[0].tolerationSeconds', 'tolerationSeconds needs effect NoExecute', 'demo'],
  ['node label value with a slash', { nodeSelector: { pool: 'a/b' } }, 'spec.nodeSelector.pool', 'spec.nodeSelector.pool', 'demo'],
  ['name too long for <name>-collector', {}, 'metadata.name', 'owned objects are named <name>-collector', long],
])('%s: rejected by the API server and by parseSpec', async (_name, spec, path, serverMessage, name) => {
  const body = object({ exporters: [EXPORTER], ...spec }, name);
  const local = parsePipeline(body);
  expect(local.ok ? [] : local.issues.map((i) => i.path)).toContain(path);
  const message = await serverRejection(body);
  expect(message).toContain(serverMessage);
  if (path.startsWith('spec.')) expect(message).toContain(path);
});

test('the API server defaults a spec exactly as parseSpec does', async () => {
  const withSecretHeader = { ...EXPORTER, otlp: { ...EXPORTER.otlp, headersFrom: [{ name: 'x-api-key', secretKeyRef: { name: 'creds', key: 'key' } }] } };
  const spec = {
    exporters: [withSecretHeader],
    scaling: { maxReplicas: 8 },
    resources: { limits: { cpu: 4 } },
    processors: { sampling: {} },
    tolerations: [{ key: 'dedicated', value: 'telemetry', effect: 'NoSchedule' }],
  };
  const stored = await client.request<{ spec: unknown }>('POST', collection, { body: object(spec, 'defaults') });
  const local = parsePipeline(object(spec, 'defaults'));
  expect(local.ok && local.pipeline.spec).toEqual(stored.spec);
});

test('kubectl: short name, printer columns, explain and scale', async () => {
  await client.request('POST', collection, { body: object({ exporters: [EXPORTER], scaling: { enabled: false } }, 'scaled') });
  expect(kubectl('get', 'tp', '-n', ns).split('\n')[0]).toMatch(/^NAME\s+REPLICAS\s+READY\s+SAMPLERS\s+SPANS\/S\s+CAPACITY\s+AGE$/);
  expect(kubectl('explain', 'telemetrypipeline.spec.scaling')).toContain('Fewest replicas the autoscaler keeps');
  kubectl('scale', '-n', ns, 'tp/scaled', '--replicas=5');
  const scaled = await client.request<{ spec: { replicas: number } }>('GET', `${collection}/scaled`);
  expect(scaled.spec.replicas).toBe(5);
});
