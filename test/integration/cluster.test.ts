// The local control plane harness works as the other integration tests assume: pinned version, Deployments
// become Running pods with loopback IPs, garbage collection, RBAC and service-account tokens.
import { randomBytes } from 'node:crypto';
import {
  AppsV1Api, CoreV1Api, KubeConfig, type V1Deployment, type V1Pod, VersionApi,
} from '@kubernetes/client-node';
import { CLUSTER_TIMEOUT_MS, ensureCluster } from '../cluster/harness.ts';
import { waitFor } from '../cluster/probe.ts';
import { KUBERNETES_VERSION } from '../cluster/versions.ts';

const ns = `cluster-test-${randomBytes(3).toString('hex')}`;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;

function deployment(name: string, replicas: number): V1Deployment {
  const labels = { app: name };
  return {
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'registry.invalid/none:1' }] } },
    },
  };
}

async function podsOf(app: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items;
}

/** A client authenticated as the cluster admin but impersonating `user`. */
function impersonating(user: string): CoreV1Api {
  const other = new KubeConfig();
  const cluster = kc.getCurrentCluster();
  const admin = kc.getCurrentUser();
  if (!cluster || !admin) throw new Error('kubeconfig has no current cluster/user');
  other.loadFromOptions({
    clusters: [cluster],
    users: [{ ...admin, name: 'impersonator', impersonateUser: user }],
    contexts: [{ name: 'ctx', cluster: cluster.name, user: 'impersonator' }],
    currentContext: 'ctx',
  });
  return other.makeApiClient(CoreV1Api);
}

/** A client authenticated only by a bearer token (no client certificate). */
function withToken(token: string): CoreV1Api {
  const other = new KubeConfig();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  other.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'sa', token }],
    contexts: [{ name: 'ctx', cluster: cluster.name, user: 'sa' }],
    currentContext: 'ctx',
  });
  return other.makeApiClient(CoreV1Api);
}

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

beforeAll(async () => {
  const { kubeconfig } = await ensureCluster();
  kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  // The serviceaccount controller fills a new namespace in asynchronously; pods are refused before that.
  await waitFor('default ServiceAccount', async () => {
    const found = await statusOf(core.readNamespacedServiceAccount({ name: 'default', namespace: ns }));
    return found === 200 ? { value: true, observed: 'found' } : { observed: String(found) };
  }, { timeoutMs: 30_000 });
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  await core?.deleteNamespace({ name: ns }).catch(() => undefined);
});

test('the API server reports the pinned Kubernetes version', async () => {
  const version = await kc.makeApiClient(VersionApi).getCode();
  expect(version.gitVersion).toBe(KUBERNETES_VERSION);
});

test('a Deployment becomes a ReplicaSet and Running pods with 127.1.x.x IPs; deleting it collects them', async () => {
  await apps.createNamespacedDeployment({ namespace: ns, body: deployment('web', 3) });

  const running = await waitFor('3 Running pods', async () => {
    const pods = await podsOf('web');
    const ok = pods.filter((p) => p.status?.phase === 'Running' && p.status.podIP);
    return ok.length === 3 ? { value: ok, observed: 'ok' } : { observed: pods.map((p) => p.status?.phase).join(',') };
  }, { timeoutMs: 30_000 });

  for (const pod of running) {
    expect(pod.status?.podIP).toMatch(/^127\.1\.\d{1,3}\.\d{1,3}$/);
    expect(pod.status?.hostIP).toBe('127.0.0.1');
    expect(pod.spec?.nodeName).toMatch(/^kwok-node-/);
    const owner = pod.metadata?.ownerReferences?.[0];
    expect(owner?.kind).toBe('ReplicaSet');
    const rs = await apps.readNamespacedReplicaSet({ name: owner?.name ?? '', namespace: ns });
    expect(rs.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Deployment', name: 'web' });
  }
  expect(new Set(running.map((p) => p.status?.podIP)).size).toBe(3);

  await apps.deleteNamespacedDeployment({ name: 'web', namespace: ns });
  await waitFor('pods and ReplicaSets garbage-collected', async () => {
    const pods = await podsOf('web');
    const sets = (await apps.listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=web' })).items;
    return pods.length + sets.length === 0 ? { value: true, observed: 'gone' } : { observed: `${pods.length} pods, ${sets.length} replicasets` };
  }, { timeoutMs: 30_000 });
});

test('RBAC: an unprivileged ServiceAccount may not list secrets (impersonated, and with its own token)', async () => {
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'nobody' } } });
  const user = `system:serviceaccount:${ns}:nobody`;

  expect(await statusOf(impersonating(user).listNamespacedSecret({ namespace: ns }))).toBe(403);

  // A bound token signed with the cluster's service-account key authenticates (403, not 401).
  const token = await core.createNamespacedServiceAccountToken({
    name: 'nobody', namespace: ns, body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const asSa = withToken(token.status?.token ?? '');
  expect(await statusOf(asSa.listNamespacedSecret({ namespace: ns }))).toBe(403);
  expect(await statusOf(withToken('not-a-token').listNamespacedSecret({ namespace: ns }))).toBe(401);

  // The admin (system:masters) may.
  expect(await statusOf(core.listNamespacedSecret({ namespace: ns }))).toBe(200);
});
