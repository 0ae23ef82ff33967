// The real node: containerd + CNI bridge + kubelet + kube-proxy on this host, joined to a local control plane, so
// that pods run as real containers (cgroup limits, network namespaces, Service routing by iptables).
//   startRealNode(cluster) is idempotent: it reuses the node when it already serves this cluster, takes over a
//   stale one (left by a killed run) after tearing it down, and refuses one that serves another live cluster.
//   stopRealNode() stops everything and restores the host from the snapshot taken before the first change.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KubeClient } from '../../../src/operator/kube/client.ts';
import { REAL_NODE_IP, REAL_NODE_NAME } from '../addresses.ts';
import { binaryPath } from '../binaries.ts';
import { adminKubeconfig } from '../kubeconfig.ts';
import { type Layout, PKI_FILES } from '../layout.ts';
import { withLock } from '../lock.ts';
import { get, waitFor } from '../probe.ts';
import { isOurs, readPidFiles, type Started, startDetached, stopProcess } from '../process.ts';
import { run } from '../run.ts';
import { freePorts } from '../../support/free-port.ts';
import { killContainers, removeNetworkAndCgroups, unmountBelow } from './cleanup.ts';
import {
  containerdConfig, cniConfig, CNI_NETWORK, endpointControllerArgs, KUBE_PROXY_HEALTHZ_PORT, KUBELET_HEALTHZ_PORT,
  kubeletArgs, kubeletConfig, kubeProxyArgs, kubeProxyConfig, kubernetesEndpointSlice, yamlFile,
} from './configs.ts';
import { readSnapshot, restoreHost, saveSnapshot, takeSnapshot } from './host-state.ts';
import { setUpNodeNetwork } from './network.ts';
import { type NodePaths, nodePaths } from './paths.ts';
import { ensureDebianPackages } from '../packages.ts';
import { preflight } from './preflight.ts';

/** What the node runs on (Debian bookworm): container runtime, CNI plugins, and the tools its parts call. */
export const NODE_PACKAGES = ['containerd', 'runc', 'containernetworking-plugins', 'iptables', 'nftables', 'conntrack', 'iproute2', 'mount'] as const;

/** Start order; stop runs it backwards. */
export const NODE_PROCESSES = ['containerd', 'apiserver-relay', 'endpoint-controllers', 'kubelet', 'kube-proxy'] as const;

const RELAY_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'relay.ts');
const LOCK_TIMEOUT_MS = 20 * 60 * 1000;

export class RealNodeUnavailable extends Error {}

export type NodeOwner = { clusterRoot: string; apiServer: string; startedAt: string };
export type RealNodeInfo = { nodeName: string; nodeIp: string; containerdSocket: string; startedAt: string; reused: boolean };

/** An image for the node: its reference and a way to get its archive (built or cached) when it must be imported. */
export type NodeImage = { ref: string; archive: () => Promise<string> };

async function alive(paths: NodePaths): Promise<Started[] | undefined> {
  const running = await readPidFiles(paths.pids);
  for (const name of NODE_PROCESSES) {
    const p = running.find((r) => r.name === name);
    if (!p || !(await isOurs(p.pid, p.binary))) return undefined;
  }
  return running;
}

async function readOwner(paths: NodePaths): Promise<NodeOwner | undefined> {
  return readFile(paths.owner, 'utf8').then((t) => JSON.parse(t) as NodeOwner, () => undefined);
}

function client(kubeconfig: string): KubeClient {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return new KubeClient(kc, { userAgent: 'tpo-real-node' });
}

type NodeObject = { status?: { conditions?: { type: string; status: string; message?: string }[] } };

async function nodeReady(kube: KubeClient): Promise<{ value?: true; observed: string }> {
  try {
    const node = await kube.request<NodeObject>('GET', `/api/v1/nodes/${REAL_NODE_NAME}`);
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    return ready?.status === 'True' ? { value: true, observed: 'Ready' } : { observed: `Ready=${ready?.status ?? '?'} ${ready?.message ?? ''}` };
  } catch (err) {
    return { observed: (err as Error).message.slice(0, 200) };
  }
}

/** Everything the node left: processes, mounts, interfaces, cgroups, state; then the host's settings. */
async function teardown(paths: NodePaths, log: Logger): Promise<void> {
  const running = await readPidFiles(paths.pids);
  // kube-proxy and the kubelet first, so nothing restarts containers while they are killed.
  for (const name of [...NODE_PROCESSES].reverse().filter((n) => n !== 'containerd')) {
    for (const p of running.filter((r) => r.name === name)) await stopProcess(p, 5000);
  }
  const killed = await killContainers(paths);
  for (const p of running.filter((r) => r.name === 'containerd')) await stopProcess(p, 5000);
  const snapshot = await readSnapshot(paths.snapshot);
  const problems = [
    ...(await unmountBelow([paths.run, paths.root, '/var/lib/kubelet'])),
    ...(await removeNetworkAndCgroups(snapshot?.netns ?? [])),
  ];
  if (snapshot) problems.push(...(await restoreHost(snapshot)));
  await rm(paths.run, { recursive: true, force: true });
  if (problems.length === 0) await rm(paths.root, { recursive: true, force: true });
  else log.warn({ problems }, 'real node teardown left something behind; the snapshot is kept for the next teardown');
  log.info({ killedContainerProcesses: killed, restored: snapshot !== undefined }, 'real node torn down');
}

async function writeConfigs(paths: NodePaths, layout: Layout, apiServer: string, pauseImage: string): Promise<void> {
  for (const dir of [paths.root, paths.run, paths.pids, paths.cniConfDir, paths.cniIpamDir, paths.kubeletRoot, paths.kubeletCertDir, paths.podLogs]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  }
  const pem = async (f: keyof typeof PKI_FILES): Promise<string> => readFile(join(layout.pki, PKI_FILES[f]), 'utf8');
  const ca = await pem('caCert');
  const caFile = join(paths.root, 'ca.crt');
  await writeFile(caFile, ca);
  await writeFile(paths.containerdConfig, containerdConfig(paths, pauseImage));
  await writeFile(join(paths.cniConfDir, `10-${CNI_NETWORK}.conflist`), JSON.stringify(cniConfig(paths), null, 1));
  await writeFile(paths.kubeletConfig, yamlFile(kubeletConfig(paths, caFile)));
  await writeFile(paths.kubeProxyConfig, yamlFile(kubeProxyConfig(paths)));
  const kubeconfigs: [string, 'kubelet' | 'kubeProxy' | 'admin'][] = [
    [paths.kubeletKubeconfig, 'kubelet'], [paths.kubeProxyKubeconfig, 'kubeProxy'], [paths.controllersKubeconfig, 'admin'],
  ];
  for (const [file, who] of kubeconfigs) {
    await writeFile(file, adminKubeconfig(apiServer, { ca, cert: await pem(`${who}Cert`), key: await pem(`${who}Key`) }), { mode: 0o600 });
  }
}

async function ctr(paths: NodePaths, args: string[], logFile: string): Promise<string> {
  return run('ctr', ['--address', paths.containerdSocket, '--namespace', 'k8s.io', ...args], { cwd: paths.root, logFile });
}

async function start(layout: Layout, apiServer: string, pause: NodeImage, paths: NodePaths, log: Logger): Promise<NodeOwner> {
  // The archive first: building it may take minutes on a cold machine, and nothing has changed yet.
  const pauseArchive = await pause.archive();
  const snapshot = await takeSnapshot();
  await mkdir(paths.root, { recursive: true, mode: 0o700 });
  await saveSnapshot(paths.snapshot, snapshot);
  log.info({ snapshot: paths.snapshot }, 'host snapshot taken; starting the real node');
  await writeConfigs(paths, layout, apiServer, pause.ref);
  setUpNodeNetwork();

  const logFile = (name: string): string => join(layout.logs, `node-${name}.log`);
  const started: Started[] = [];
  const launch = async (name: (typeof NODE_PROCESSES)[number], binary: string, args: string[]): Promise<void> => {
    started.push(await startDetached(name, binary, args, { logFile: logFile(name), pidDir: paths.pids }));
  };
  const abort = async (): Promise<string | undefined> => {
    for (const p of started) if (!(await isOurs(p.pid, p.binary))) return `${p.name} exited; see ${logFile(p.name)}`;
    return undefined;
  };

  await launch('containerd', '/usr/bin/containerd', ['--config', paths.containerdConfig]);
  await waitFor('containerd serving', async () => {
    try {
      return { value: await ctr(paths, ['version'], logFile('ctr')), observed: 'up' };
    } catch (err) {
      return { observed: (err as Error).message.split('\n')[0] ?? '' };
    }
  }, { timeoutMs: 30_000, abort });
  await ctr(paths, ['images', 'import', pauseArchive], logFile('ctr'));

  const apiPort = Number(new URL(apiServer).port);
  await launch('apiserver-relay', process.execPath, [RELAY_SCRIPT, REAL_NODE_IP, String(apiPort), '127.0.0.1', String(apiPort)]);
  const kube = client(layout.kubeconfig);
  try {
    await kube.request('PATCH', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes', {
      query: { fieldManager: 'tpo-real-node', force: true },
      contentType: 'application/apply-patch+yaml',
      body: kubernetesEndpointSlice(apiPort),
    });
    const [controllersPort] = await freePorts(1);
    await launch('endpoint-controllers', binaryPath('kube-controller-manager'), endpointControllerArgs(paths, controllersPort!));
    await launch('kubelet', binaryPath('kubelet'), kubeletArgs(paths));
    await launch('kube-proxy', binaryPath('kube-proxy'), kubeProxyArgs(paths));
    await waitFor('kubelet /healthz', async () => {
      const r = await get(`http://127.0.0.1:${KUBELET_HEALTHZ_PORT}/healthz`);
      return r.status === 200 ? { value: true, observed: 'ok' } : { observed: `${r.status} ${r.body.slice(0, 200)}` };
    }, { timeoutMs: 60_000, abort });
    await waitFor(`node ${REAL_NODE_NAME} Ready`, () => nodeReady(kube), { timeoutMs: 60_000, abort });
    await waitFor('kube-proxy /healthz', async () => {
      const r = await get(`http://127.0.0.1:${KUBE_PROXY_HEALTHZ_PORT}/healthz`);
      return r.status === 200 ? { value: true, observed: 'ok' } : { observed: `${r.status} ${r.body.slice(0, 200)}` };
    }, { timeoutMs: 60_000, abort });
  } finally {
    kube.close();
  }
  const owner: NodeOwner = { clusterRoot: layout.root, apiServer, startedAt: new Date().toISOString() };
  await writeFile(paths.owner, JSON.stringify(owner, null, 1));
  return owner;
}

/**
 * Why the real node cannot serve the cluster of `layout` here, in one line, or undefined when it can: the machine
 * (preflight), the Debian packages (installed when missing), or a node already serving another live local cluster.
 */
export async function realNodeUnavailable(layout: Layout, log: Logger, paths = nodePaths()): Promise<string | undefined> {
  const check = await preflight();
  if (!check.ok) return check.reason;
  const packages = await ensureDebianPackages(NODE_PACKAGES, log).then(() => undefined, (err: Error) => err.message);
  if (packages !== undefined) return packages;
  return heldElsewhere(layout, paths);
}

/** The reason when the node runs for another local cluster whose API server still answers. */
async function heldElsewhere(layout: Layout, paths: NodePaths): Promise<string | undefined> {
  const owner = await readOwner(paths);
  if (!owner || owner.clusterRoot === layout.root || !(await alive(paths))) return undefined;
  const other = await get(`${owner.apiServer}/readyz`, { rejectUnauthorized: false });
  return other.status === 0 ? undefined : `the real node serves another local cluster (${owner.clusterRoot}); stop it there with \`npm run cluster:node-down\``;
}

/**
 * Makes the real node serve the cluster of `layout` (API server `apiServer`), with `pause` as containerd's sandbox
 * image (its archive is asked for only when the node is (re)started).
 */
export async function startRealNode(
  layout: Layout, apiServer: string, pause: NodeImage, log: Logger, paths = nodePaths(),
): Promise<RealNodeInfo> {
  const check = await preflight();
  if (!check.ok) throw new RealNodeUnavailable(check.reason);
  await ensureDebianPackages(NODE_PACKAGES, log).catch((err: Error) => {
    throw new RealNodeUnavailable(err.message);
  });
  await mkdir(dirname(paths.lock), { recursive: true });
  return withLock(paths.lock, LOCK_TIMEOUT_MS, async () => {
    const owner = await readOwner(paths);
    const running = await alive(paths);
    if (owner && running && owner.clusterRoot === layout.root && owner.apiServer === apiServer) {
      return { nodeName: REAL_NODE_NAME, nodeIp: REAL_NODE_IP, containerdSocket: paths.containerdSocket, startedAt: owner.startedAt, reused: true };
    }
    const elsewhere = await heldElsewhere(layout, paths);
    if (elsewhere !== undefined) throw new RealNodeUnavailable(elsewhere);
    // Anything left (a killed run's node, or a node of this cluster's previous control plane) goes first, so the
    // snapshot below is of the host as it was.
    if (owner || running || (await readSnapshot(paths.snapshot))) await teardown(paths, log);
    const t0 = Date.now();
    try {
      const started = await start(layout, apiServer, pause, paths, log);
      log.info({ seconds: (Date.now() - t0) / 1000, node: REAL_NODE_NAME }, 'real node ready');
      return { nodeName: REAL_NODE_NAME, nodeIp: REAL_NODE_IP, containerdSocket: paths.containerdSocket, startedAt: started.startedAt, reused: false };
    } catch (err) {
      // Nothing half-started stays behind.
      await teardown(paths, log).catch((e: Error) => log.error({ err: e.message }, 'teardown after a failed start'));
      throw err;
    }
  });
}

/**
 * Makes containerd hold `image` (imported from its archive when missing). Images are never pulled: pods find them
 * with imagePullPolicy IfNotPresent.
 */
export async function ensureNodeImage(image: NodeImage, logFile: string, paths = nodePaths()): Promise<boolean> {
  const present = await ctr(paths, ['images', 'list', '--quiet', `name==${image.ref}`], logFile);
  if (present.trim() !== '') return false;
  await ctr(paths, ['images', 'import', await image.archive()], logFile);
  return true;
}

/** Stops the real node if `layout`'s cluster holds it (any cluster when `layout` is undefined) and restores the host. */
export async function stopRealNode(layout: Layout | undefined, log: Logger, paths = nodePaths()): Promise<boolean> {
  if ((await readSnapshot(paths.snapshot)) === undefined && (await readOwner(paths)) === undefined && (await alive(paths)) === undefined) return false;
  await mkdir(dirname(paths.lock), { recursive: true });
  return withLock(paths.lock, LOCK_TIMEOUT_MS, async () => {
    const owner = await readOwner(paths);
    if (layout && owner && owner.clusterRoot !== layout.root && (await alive(paths))) return false;
    await teardown(paths, log);
    return true;
  });
}
