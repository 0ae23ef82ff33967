// Which cluster the demo runs on. On the process runtime: the current kube context when it answers and is a local
// control plane (loopback API server, only KWOK nodes and the real node), otherwise the local control plane of
// test/cluster (reused when it is already running, else started). On the real node: the local control plane of
// test/cluster with its real node (each reused when running, else started), since the node joins only that one.
// The demo stops at the end only what it started itself. Also installs the CRDs from crds/ as a user's
// `kubectl apply -f crds/` would.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { objectPath, resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { REAL_NODE_NAME } from '../../test/cluster/addresses.ts';
import { KWOK_NODE_ANNOTATION } from '../../test/cluster/flags.ts';
import { ensureCluster, ensureRealNode } from '../../test/cluster/harness.ts';
import { REAL_NODE_LABEL } from '../../test/cluster/node/configs.ts';
import { clusterLayout, REPO_ROOT } from '../../test/cluster/layout.ts';
import { isLoopbackHost } from '../../test/support/pod-launch.ts';
import type { RuntimeName } from './runtime.ts';

export interface DemoCluster {
  kubeconfig: string;
  client: KubeClient;
  /** The demo started the local control plane (and so stops it at the end). */
  startedByDemo: boolean;
  /** On the real node: the project image it runs, and whether the demo started the node. */
  realNode?: { image: string; startedByDemo: boolean };
  description: string;
}

function clientFor(kubeconfig: string): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return new KubeClient(kc, { userAgent: 'tpo-demo' });
}

/** The API server URL of a kubeconfig's current context (undefined when the file does not say). */
function serverOf(kubeconfig: string): string | undefined {
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    return kc.getCurrentCluster()?.server;
  } catch {
    return undefined;
  }
}

async function reachable(client: KubeClient): Promise<boolean> {
  return client.request('GET', '/version', { timeoutMs: 3000 }).then(() => true, () => false);
}

/** The kubeconfig a user's kubectl would read: --kubeconfig, $KUBECONFIG (first file), ~/.kube/config. */
export function defaultKubeconfig(flag: string | undefined, env = process.env): string | undefined {
  if (flag) return flag;
  const fromEnv = env['KUBECONFIG']?.split(':').find((p) => p !== '');
  if (fromEnv) return fromEnv;
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

const isKwokNode = (n: KubeObject) => n.metadata.annotations?.[KWOK_NODE_ANNOTATION.key] === KWOK_NODE_ANNOTATION.value;
const isRealNode = (n: KubeObject) => n.metadata.name === REAL_NODE_NAME && n.metadata.labels?.[REAL_NODE_LABEL.key] === REAL_NODE_LABEL.value;

/**
 * A cluster is "local" when its API server is on loopback and its nodes are KWOK's fake nodes, beside which the
 * local control plane may have its real node (test/cluster/node).
 */
export function isLocalControlPlane(serverHost: string, nodes: readonly KubeObject[]): boolean {
  return isLoopbackHost(serverHost) && nodes.some(isKwokNode) && nodes.every((n) => isKwokNode(n) || isRealNode(n));
}

async function answersAsLocalControlPlane(client: KubeClient): Promise<boolean> {
  const nodes = await client.request<{ items: KubeObject[] }>('GET', '/api/v1/nodes').catch(() => ({ items: [] }));
  return isLocalControlPlane(client.server.hostname, nodes.items);
}

/** Whether test/cluster's local control plane answers now (else ensureCluster starts it). */
async function localControlPlaneRunning(): Promise<boolean> {
  const layout = clusterLayout();
  if (!existsSync(layout.kubeconfig)) return false;
  const client = clientFor(layout.kubeconfig);
  const answers = await reachable(client);
  client.close();
  return answers;
}

export function chooseCluster(runtime: RuntimeName, kubeconfigFlag: string | undefined, say: (text: string) => void): Promise<DemoCluster> {
  return runtime === 'real' ? realNodeCluster(kubeconfigFlag, say) : processCluster(kubeconfigFlag, say);
}

async function realNodeCluster(kubeconfigFlag: string | undefined, say: (text: string) => void): Promise<DemoCluster> {
  const candidate = defaultKubeconfig(kubeconfigFlag);
  const wasRunning = await localControlPlaneRunning();
  say(`${wasRunning ? 'reusing the running local control plane' : 'starting the local control plane'}; starting or reusing its real node (a first run builds binaries and images: several minutes)`);
  const { kubeconfig, node, images } = await ensureRealNode();
  const client = clientFor(kubeconfig);
  if (candidate && candidate !== kubeconfig && serverOf(candidate) !== serverOf(kubeconfig)) {
    say(`the current context (${candidate}) is not the local control plane, which the real node joins: using the local control plane`);
  }
  say(`real node ${node.nodeName} (${node.nodeIp}) ${node.reused ? 'already running: reused' : 'started'}; image ${images.project}`);
  return {
    kubeconfig, client, startedByDemo: !wasRunning,
    realNode: { image: images.project, startedByDemo: !node.reused },
    description: `local control plane (${client.server.host}) with the real node ${node.nodeName} (${node.nodeIp})`,
  };
}

async function processCluster(kubeconfigFlag: string | undefined, say: (text: string) => void): Promise<DemoCluster> {
  const candidate = defaultKubeconfig(kubeconfigFlag);
  if (candidate) {
    const client = clientFor(candidate);
    const answers = await reachable(client);
    if (answers && (await answersAsLocalControlPlane(client))) {
      return { kubeconfig: candidate, client, startedByDemo: false, description: `current context of ${candidate} (${client.server.host}, KWOK nodes)` };
    }
    client.close();
    if (!answers && kubeconfigFlag) throw new Error(`--kubeconfig ${kubeconfigFlag}: the API server does not answer`);
    // A real cluster would need the collector image and pod IPs this machine can reach; the demo's
    // collectors are local processes on KWOK pods' loopback IPs, so it runs on the local control plane.
    say(answers
      ? `the current context (${candidate}, ${client.server.host}) is not the local control plane: the demo runs its collectors as local processes on KWOK pods, so it uses the local control plane`
      : `the current context (${candidate}) does not answer: using the local control plane`);
  }
  const wasRunning = await localControlPlaneRunning();
  say(wasRunning ? 'reusing the running local control plane' : 'starting the local control plane (the first run builds it: several minutes)');
  const { kubeconfig } = await ensureCluster();
  const client = clientFor(kubeconfig);
  return { kubeconfig, client, startedByDemo: !wasRunning, description: `local control plane (${client.server.host}, KWOK nodes)` };
}

/** Server-side applies every CustomResourceDefinition in crds/ and waits until each is Established. */
export async function installCrds(client: KubeClient): Promise<string[]> {
  const dir = join(REPO_ROOT, 'crds');
  const names: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const crd = doc.toJS() as KubeObject | null;
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      await client.request('PATCH', objectPath(resources.crd, undefined, crd.metadata.name), {
        body: crd,
        contentType: 'application/apply-patch+yaml',
        query: { fieldManager: 'tpo-demo', force: true },
      });
      names.push(crd.metadata.name);
    }
  }
  const deadline = Date.now() + 30_000;
  for (const name of names) {
    for (;;) {
      const crd = await client.request<{ status?: { conditions?: { type: string; status: string }[] } }>('GET', objectPath(resources.crd, undefined, name));
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established after 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return names;
}
