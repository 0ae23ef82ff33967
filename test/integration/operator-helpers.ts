// Shared pieces of the operator integration tests: an admin client for the local control plane,
// the CRD, one namespace per test, pipelines, in-process and child-process operators, polling.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { buildCrd } from '../../src/api/crd.ts';
import { CRD_NAME } from '../../src/api/constants.ts';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { isApiError } from '../../src/operator/kube/errors.ts';
import { collectionPath, objectPath, resources, type ResourceType } from '../../src/operator/kube/resources.ts';
import { waitFor } from '../support/wait.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { startOperator, type OperatorHandle } from '../../src/operator/main.ts';
import { parseOperatorArgs } from '../../src/operator/options.ts';
import { CLUSTER_TIMEOUT_MS, ensureCluster } from '../cluster/harness.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface TestCluster {
  kubeconfig: string;
  client: KubeClient;
}

export async function testCluster(): Promise<TestCluster> {
  const { kubeconfig } = await ensureCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const client = new KubeClient(kc, { userAgent: 'tpo-integration-tests' });
  await installCrd(client);
  return { kubeconfig, client };
}

/** Applies the CRD generated from the schema and waits until it is Established. */
export async function installCrd(client: KubeClient): Promise<void> {
  await client.request('PATCH', objectPath(resources.crd, undefined, CRD_NAME), {
    body: buildCrd(),
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: 'tpo-tests', force: true },
  });
  await waitFor('CRD established', async () => {
    const crd = await client.request<{ status?: { conditions?: { type: string; status: string }[] } }>(
      'GET',
      objectPath(resources.crd, undefined, CRD_NAME),
    );
    return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
  });
}

export interface NamespaceContext {
  cluster: TestCluster;
  ns: string;
  /** Run (in order) before the namespace is deleted: stop operators here. */
  cleanup: (() => Promise<unknown>)[];
}

/** beforeAll/afterAll of a test file: the cluster with the CRD, and a fresh namespace deleted afterwards. */
export function useTestNamespace(prefix: string): NamespaceContext {
  const ctx = { cleanup: [] as NamespaceContext['cleanup'] } as NamespaceContext;
  beforeAll(async () => {
    ctx.cluster = await testCluster();
    ctx.ns = await createNamespace(ctx.cluster.client, prefix);
  }, CLUSTER_TIMEOUT_MS);
  afterAll(async () => {
    for (const fn of ctx.cleanup) await fn();
    if (ctx.ns) await deleteNamespace(ctx.cluster.client, ctx.ns);
    ctx.cluster?.client.close();
  });
  return ctx;
}

export async function createNamespace(client: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await client.request('POST', collectionPath(resources.namespace), { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } });
  return name;
}

export async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  await client.request('DELETE', objectPath(resources.namespace, undefined, name)).catch(() => undefined);
}

export { waitFor };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function pipeline(namespace: string, name: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'fleet.telemetry.dev/v1alpha1',
    kind: 'TelemetryPipeline',
    metadata: { name, namespace, labels },
    spec: {
      exporters: [{ name: 'backend', otlp: { endpoint: 'backend.observability.svc:4317', insecure: true } }],
      scaling: { enabled: false },
      replicas: 1,
      ...spec,
    },
  };
}

export async function createPipeline(client: KubeClient, obj: KubeObject): Promise<KubeObject> {
  return client.request('POST', collectionPath(resources.pipeline, obj.metadata.namespace), { body: obj });
}

export async function getObject<T = KubeObject>(client: KubeClient, rt: ResourceType, namespace: string, name: string): Promise<T | undefined> {
  try {
    return await client.request<T>('GET', objectPath(rt, namespace, name));
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    throw err;
  }
}

export async function listObjects<T = KubeObject>(client: KubeClient, rt: ResourceType, namespace: string, labelSelector?: string): Promise<T[]> {
  const list = await client.request<{ items: T[] }>('GET', collectionPath(rt, namespace), { query: { labelSelector } });
  return list.items;
}

export async function mergePatch(client: KubeClient, rt: ResourceType, namespace: string, name: string, body: unknown): Promise<KubeObject> {
  return client.request('PATCH', objectPath(rt, namespace, name), { body, contentType: 'application/merge-patch+json' });
}

type Status = { observedGeneration?: number; readyReplicas?: number; configHash?: string; conditions?: { type: string; status: string; reason: string; message: string; lastTransitionTime: string }[] };

export function condition(obj: KubeObject | undefined, type: string) {
  return (obj?.status as Status | undefined)?.conditions?.find((c) => c.type === type);
}

export function statusOf(obj: KubeObject | undefined): Status {
  return (obj?.status as Status | undefined) ?? {};
}

/** Waits until the pipeline is Ready for its current generation. */
export function waitReady(client: KubeClient, namespace: string, name: string, timeoutMs = 60_000): Promise<KubeObject> {
  return waitFor(`${namespace}/${name} Ready`, async () => {
    const p = await getObject(client, resources.pipeline, namespace, name);
    const ready = condition(p, 'Ready')?.status === 'True' && statusOf(p).observedGeneration === p?.metadata.generation;
    return ready ? p : undefined;
  }, timeoutMs);
}

/** tpo_api_writes_total by `METHOD resource`, without some resources (the Lease renewals). */
export async function apiWritesBy(handle: OperatorHandle, exclude: string[] = ['leases']): Promise<Record<string, number>> {
  const metric = await handle.metrics.registry.getSingleMetric('tpo_api_writes_total')!.get();
  const out: Record<string, number> = {};
  for (const v of metric.values) {
    if (!exclude.includes(String(v.labels['resource']))) out[`${v.labels['method']} ${v.labels['resource']}`] = v.value;
  }
  return out;
}

/** Sum of tpo_api_writes_total, optionally without some resources (the Lease renewals). */
export async function apiWrites(handle: OperatorHandle, exclude: string[] = ['leases']): Promise<number> {
  return Object.values(await apiWritesBy(handle, exclude)).reduce((a, b) => a + b, 0);
}

/** An operator in this process, scoped to `namespace`, with ephemeral ports and quiet logs. */
export function inProcessOperator(kubeconfig: string, namespace: string, extra: string[] = []): Promise<OperatorHandle> {
  const opts = parseOperatorArgs([
    '--kubeconfig', kubeconfig,
    '--namespace', namespace,
    '--metrics-addr', '127.0.0.1:0',
    '--health-addr', '127.0.0.1:0',
    ...extra,
  ]);
  return startOperator(opts, { log: pino({ level: process.env['TPO_TEST_LOG'] ?? 'warn' }) });
}

export interface ChildOperator {
  process: ChildProcess;
  metricsAddress: Promise<string>;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  metric(name: string, filter?: (labels: string) => boolean): Promise<number>;
  exited: Promise<number | null>;
}

/**
 * `node src/cli.ts operator ...` of `checkout` (this one by default) as a child process, as it runs in a Pod. The metrics address comes
 * from its "operator listening" log line, so keep the log level at info or below.
 */
export function childOperator(kubeconfig: string, namespace: string, extra: string[] = [], checkout = REPO): ChildOperator {
  const child = spawn(
    process.execPath,
    ['src/cli.ts', 'operator', '--kubeconfig', kubeconfig, '--namespace', namespace, '--metrics-addr', '127.0.0.1:0', '--health-addr', '127.0.0.1:0', ...extra],
    { cwd: checkout, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: Record<string, unknown>[] = [];
  let resolveAddr!: (a: string) => void;
  const metricsAddress = new Promise<string>((r) => (resolveAddr = r));
  let buffered = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (typeof entry['metrics'] === 'string') resolveAddr(entry['metrics']);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    process: child,
    metricsAddress,
    logs,
    exited,
    async metric(name, filter = () => true) {
      const res = await fetch(`http://${await metricsAddress}/metrics`);
      const text = await res.text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^(\w+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
        if (m && m[1] === name && filter(m[2] ?? '')) sum += Number(m[3]);
      }
      return sum;
    },
  };
}

export async function stopChild(op: ChildOperator, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (op.process.exitCode === null && op.process.signalCode === null) op.process.kill(signal);
  return op.exited;
}
