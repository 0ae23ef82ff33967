// Shared pieces of the tests that run real containers on the real node (test/cluster/node): whether this machine
// can run it (else the suites are skipped, saying why), pod placement onto it, the operator installed from the
// chart with the locally built image, and kubectl reads of pods.
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { objectPath, resources } from '../../src/operator/kube/resources.ts';
import { fleetName } from '../../src/operator/render/labels.ts';
import { REAL_NODE_IP } from '../cluster/addresses.ts';
import { CLUSTER_TIMEOUT_MS, ensureRealNode, realNodeUnavailableReason, type RealNodeCluster } from '../cluster/harness.ts';
import { createNamespace, deleteNamespace, installCrd } from '../integration/operator-helpers.ts';
import { OtlpSink } from './otlp-sink.ts';
import { REAL_NODE_LABEL, REAL_NODE_TAINT } from '../cluster/node/configs.ts';
import { CHART, helm, kubectl, ok } from './helm-kubectl.ts';
import { tcpAccepts } from './tcp-probe.ts';
import { waitFor } from './wait.ts';

/** Fields of a pod spec (and of a TelemetryPipeline spec) that put pods on the real node and nowhere else. */
export const ON_REAL_NODE = {
  nodeSelector: { [REAL_NODE_LABEL.key]: REAL_NODE_LABEL.value },
  tolerations: [{ key: REAL_NODE_TAINT.key, operator: 'Exists', effect: REAL_NODE_TAINT.effect }],
} as const;

/**
 * A TelemetryPipeline spec for a traces fleet on the real node that exports to `sink` (uncompressed, so the sink
 * sees what was sent) with lowLatency batches; `spec` adds or replaces fields.
 */
export function tracesToSink(sink: OtlpSink, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...ON_REAL_NODE,
    signals: ['traces'],
    processors: { batch: { profile: 'lowLatency' } },
    exporters: [{ name: 'sink', otlp: { endpoint: sink.grpcEndpoint, insecure: true, compression: 'none' } }],
    ...spec,
  };
}

/**
 * `describe` when this machine can run the real node, else `describe.skip` with the reason printed once. Decided
 * at load time from cheap checks (Linux, root, overlayfs, cgroups); a node that then fails to start fails the suite.
 */
export async function describeOnRealNode(): Promise<jest.Describe> {
  const reason = await realNodeUnavailableReason();
  if (reason === undefined) return describe;
  process.stderr.write(`real-node tests skipped: ${reason}\n`);
  return describe.skip;
}

/** beforeAll of a real-node suite: the control plane, the node, the images. */
export function useRealNode(): { current: RealNodeCluster } {
  const ref = {} as { current: RealNodeCluster };
  beforeAll(async () => {
    ref.current = await ensureRealNode();
  }, CLUSTER_TIMEOUT_MS);
  return ref;
}

/** `localhost/name:tag` -> chart values for that image, never pulled. */
export function imageValues(ref: string): string[] {
  const at = ref.lastIndexOf(':');
  return ['--set', `image.repository=${ref.slice(0, at)},image.tag=${ref.slice(at + 1)},image.pullPolicy=Never`];
}

/** An installed release; `helmArgs` are the arguments `helm` ran with (after any --kubeconfig). */
export type OperatorRelease = { release: string; namespace: string; deployment: string; helmArgs: string[] };

/**
 * Installs the chart into `namespace`, watching only it, with the project image, on the real node, and waits for
 * the operator to be available. `extra` are further helm arguments.
 */
export async function installOperator(kubeconfig: string, namespace: string, image: string, extra: string[] = []): Promise<OperatorRelease> {
  const release = `tpo-${randomBytes(3).toString('hex')}`;
  const placement = [
    '--set-json', `nodeSelector=${JSON.stringify(ON_REAL_NODE.nodeSelector)}`,
    '--set-json', `tolerations=${JSON.stringify(ON_REAL_NODE.tolerations)}`,
  ];
  const helmArgs = [
    'install', release, CHART, '-n', namespace, '--skip-crds', '--wait', '--timeout', '180s',
    '--set', `watchNamespace=${namespace}`, ...imageValues(image), ...placement, ...extra,
  ];
  await ok(helm(kubeconfig, helmArgs));
  return { release, namespace, deployment: `${release}-telemetry-pipeline-operator`, helmArgs };
}

export async function uninstallOperator(kubeconfig: string, op: OperatorRelease | undefined): Promise<void> {
  if (op) await helm(kubeconfig, ['uninstall', op.release, '-n', op.namespace, '--wait', '--timeout', '60s']);
}

/** The logs of a pod's container (the previous instance's with `previous`). */
export async function podLogs(kubeconfig: string, namespace: string, pod: string, opts: { previous?: boolean; container?: string } = {}): Promise<string> {
  const args = ['logs', '-n', namespace, pod, ...(opts.container ? ['-c', opts.container] : []), ...(opts.previous ? ['--previous'] : [])];
  return ok(kubectl(kubeconfig, args));
}

/** What a real-node suite works in: filled in by its beforeAll, torn down by its afterAll. */
export type RealFleetEnv = {
  node: RealNodeCluster;
  client: KubeClient;
  /** A fresh namespace holding the operator release and the suite's pipelines. */
  ns: string;
  /** OTLP sink on the node IP, where collectors in pods can reach it. */
  sink: OtlpSink;
  operator: OperatorRelease;
  /** Run (newest first) before the operator is uninstalled: stop load generators and pollers here. */
  cleanup: (() => unknown)[];
};

/**
 * beforeAll/afterAll of a real-node suite: the node, an admin client, the CRD, a namespace `<prefix>-xxxxxx`, a
 * sink on the node IP and the operator from the chart watching that namespace. `operatorArgs` go to helm install.
 */
export function useRealFleetEnv(prefix: string, operatorArgs: string[] = []): RealFleetEnv {
  const env = { cleanup: [] as RealFleetEnv['cleanup'] } as RealFleetEnv;
  beforeAll(async () => {
    env.node = await ensureRealNode();
    const kc = new KubeConfig();
    kc.loadFromFile(env.node.kubeconfig);
    env.client = new KubeClient(kc, { userAgent: `tpo-e2e-${prefix}` });
    await installCrd(env.client);
    env.ns = await createNamespace(env.client, prefix);
    env.sink = await OtlpSink.start({ host: REAL_NODE_IP });
    env.operator = await installOperator(env.node.kubeconfig, env.ns, env.node.images.project, operatorArgs);
  }, CLUSTER_TIMEOUT_MS);
  afterAll(async () => {
    for (const fn of env.cleanup.splice(0).reverse()) await fn();
    if (env.node) await uninstallOperator(env.node.kubeconfig, env.operator);
    if (env.ns) await deleteNamespace(env.client, env.ns);
    await env.sink?.stop();
    env.client?.close();
  }, 180_000);
  return env;
}

export { CLUSTER_TIMEOUT_MS };

/**
 * The OTLP gRPC endpoint of a fleet's Service ClusterIP (in the Service range, 198.18.128.0/17), once it accepts
 * connections: kube-proxy programs a new Service's rules a moment after its first pod is Ready, and a client that
 * starts before would see its first exports fail.
 */
export async function fleetClusterIpTarget(client: KubeClient, namespace: string, pipeline: string, timeoutMs = 60_000): Promise<string> {
  const service = await client.request<{ spec: { clusterIP: string } }>('GET', objectPath(resources.service, namespace, fleetName(pipeline)));
  if (!/^198\.18\.(1[2-9]\d|2\d\d)\./.test(service.spec.clusterIP)) throw new Error(`ClusterIP ${service.spec.clusterIP} is outside 198.18.128.0/17`);
  const target = `${service.spec.clusterIP}:4317`;
  await waitFor(`the ClusterIP ${target} accepting connections`, () => tcpAccepts(target), timeoutMs, 250);
  return target;
}
