// A namespace on the local control plane for tests that only write core and discovery objects (EndpointSlices):
// unlike useTestNamespace it neither installs the project's CRD nor loads the operator, so these tests depend on
// neither.
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { collectionPath, objectPath, resources } from '../../src/operator/kube/resources.ts';
import { CLUSTER_TIMEOUT_MS, ensureCluster } from '../cluster/harness.ts';

export interface SliceNamespace {
  client: KubeClient;
  kubeconfig: string;
  ns: string;
}

/** A client, the kubeconfig and a fresh namespace, set up once per test file and deleted after it. */
export async function sliceNamespace(prefix: string): Promise<SliceNamespace> {
  const { kubeconfig } = await ensureCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const client = new KubeClient(kc, { userAgent: 'tpo-integration-tests' });
  const ns = `${prefix}-${randomBytes(3).toString('hex')}`;
  await client.request('POST', collectionPath(resources.namespace), { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } });
  return { client, kubeconfig, ns };
}

export async function dropSliceNamespace(ctx: SliceNamespace): Promise<void> {
  await ctx.client.request('DELETE', objectPath(resources.namespace, undefined, ctx.ns)).catch(() => undefined);
  ctx.client.close();
}

export function useSliceNamespace(prefix: string): SliceNamespace {
  const ctx = {} as SliceNamespace;
  beforeAll(async () => {
    Object.assign(ctx, await sliceNamespace(prefix));
  }, CLUSTER_TIMEOUT_MS);
  afterAll(async () => {
    if (ctx.client) await dropSliceNamespace(ctx);
  });
  return ctx;
}
