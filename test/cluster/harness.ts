// The local control plane for integration tests, demos and benchmarks:
//   const { kubeconfig, apiServer } = await ensureCluster();
// reuses a healthy running cluster (started by an earlier test run or `npm run cluster:up`), or builds the
// binaries (cached) and starts one. Many Jest workers may call it at once: a file lock serializes them.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { ensureBinaries } from './build.ts';
import { adminTls, type ClusterState, fingerprint, PROCESSES, startControlPlane, stopControlPlane } from './control-plane.ts';
import { clusterLayout, type Layout } from './layout.ts';
import { withLock } from './lock.ts';
import { get } from './probe.ts';
import { isOurs, readPidFiles } from './process.ts';
import { ensureNodeImage, RealNodeUnavailable, realNodeUnavailable, type RealNodeInfo, startRealNode, stopRealNode } from './node/node.ts';

export type ClusterInfo = { kubeconfig: string; apiServer: string };

/**
 * Timeout for a beforeAll that calls ensureCluster(): on a machine with cold caches the first call compiles
 * Kubernetes (about 7 minutes on 2 cores), and every other caller waits for it on the lock.
 */
export const CLUSTER_TIMEOUT_MS = 60 * 60 * 1000;
const LOCK_TIMEOUT_MS = CLUSTER_TIMEOUT_MS;

const defaultLog: Logger = pino({ name: 'cluster', level: process.env['TPO_CLUSTER_LOG'] ?? 'info' }, pino.destination(2));

let pending: Promise<ClusterInfo> | undefined;

/** The running cluster when every process is alive, it runs the current configuration and /readyz says ok. */
async function healthy(layout: Layout): Promise<ClusterInfo | undefined> {
  const state = await readFile(layout.state, 'utf8').then((t) => JSON.parse(t) as ClusterState, () => undefined);
  if (!state || state.fingerprint !== fingerprint(layout, state.ports)) return undefined;
  const running = await readPidFiles(layout.pids);
  for (const name of PROCESSES) {
    const p = running.find((r) => r.name === name);
    if (!p || !(await isOurs(p.pid, p.binary))) return undefined;
  }
  const tls = await adminTls(layout).catch(() => undefined);
  if (!tls) return undefined;
  const ready = await get(`${state.apiServer}/readyz`, tls);
  return ready.status === 200 ? { kubeconfig: layout.kubeconfig, apiServer: state.apiServer } : undefined;
}

async function ensure(layout: Layout, log: Logger): Promise<ClusterInfo> {
  await mkdir(layout.root, { recursive: true });
  return withLock(layout.lock, LOCK_TIMEOUT_MS, async () => {
    const running = await healthy(layout);
    if (running) return running;
    const t0 = Date.now();
    const builds = await ensureBinaries(log);
    const t1 = Date.now();
    const state = await startControlPlane(layout, log);
    log.info({
      apiServer: state.apiServer, kubeconfig: layout.kubeconfig,
      buildSeconds: (t1 - t0) / 1000, startSeconds: (Date.now() - t1) / 1000,
      built: builds.filter((b) => b.built).map((b) => `${b.component} ${b.seconds}s`),
    }, 'local control plane ready');
    return { kubeconfig: layout.kubeconfig, apiServer: state.apiServer };
  });
}

/** Resolves with the admin kubeconfig path and API server URL once /readyz is ok and the KWOK nodes are Ready. */
export function ensureCluster(opts: { log?: Logger } = {}): Promise<ClusterInfo> {
  // One attempt per process at a time; a failed attempt is forgotten so the next call retries.
  pending ??= ensure(clusterLayout(), opts.log ?? defaultLog).catch((err: unknown) => {
    pending = undefined;
    throw err;
  });
  return pending;
}

/** What runs on the real node: this project's image (both roles), and the upstream collector's. */
export type RealNodeImages = { project: string; upstream: string };
export type RealNodeCluster = ClusterInfo & { node: RealNodeInfo; images: RealNodeImages };

let pendingNode: Promise<RealNodeCluster> | undefined;

async function ensureNode(log: Logger): Promise<RealNodeCluster> {
  const cluster = await ensureCluster({ log });
  // Loaded here: KWOK-only runs never touch buildah.
  const { ensureImages, exportImage } = await import('./image/index.ts');
  const images = await ensureImages(log);
  const layout = clusterLayout();
  const image = (ref: string) => ({ ref, archive: () => exportImage(ref, log) });
  const node = await startRealNode(layout, cluster.apiServer, image(images.pause), log);
  // A test run that started the node stops it when it ends (test/global-teardown.ts), so the host is left as it
  // was found; a node someone else started (`npm run cluster:node`, another run) is left alone.
  if (!node.reused) await writeFile(join(layout.root, NODE_STARTER_FILE), JSON.stringify({ pid: process.pid, ppid: process.ppid }));
  for (const ref of [images.project, images.upstream]) await ensureNodeImage(image(ref), `${layout.logs}/node-ctr.log`);
  return { ...cluster, node, images: { project: images.project, upstream: images.upstream } };
}

/**
 * The local control plane plus the real node (containerd, CNI, kubelet, kube-proxy) with the project's image and
 * the upstream collector's imported. Pods reach the real node only by tolerating REAL_NODE_TAINT (node/configs.ts).
 * Throws RealNodeUnavailable (one line saying what is missing) where the machine cannot run it.
 */
export function ensureRealNode(opts: { log?: Logger } = {}): Promise<RealNodeCluster> {
  pendingNode ??= ensureNode(opts.log ?? defaultLog).catch((err: unknown) => {
    pendingNode = undefined;
    throw err;
  });
  return pendingNode;
}

/**
 * For test files deciding at load time whether their real-node suites run: undefined when this machine can run
 * the node for this cluster, else the one-line reason (not Linux or root, no overlayfs, a package that cannot be
 * installed, the node held by another live cluster); the suites are then reported as skipped with it.
 */
export function realNodeUnavailableReason(): Promise<string | undefined> {
  return realNodeUnavailable(clusterLayout(), defaultLog);
}

export { RealNodeUnavailable };

/** Stops every control-plane process and deletes the cluster's state (certificates, etcd data, logs). */
export async function stopCluster(): Promise<void> {
  const layout = clusterLayout();
  await mkdir(layout.root, { recursive: true });
  await withLock(layout.lock, LOCK_TIMEOUT_MS, () => stopControlPlane(layout, defaultLog));
  pending = undefined;
  pendingNode = undefined;
}

/** Stops the real node (if this cluster holds it) and restores the host; the control plane keeps running. */
export async function stopNode(): Promise<boolean> {
  pendingNode = undefined;
  await rm(join(clusterLayout().root, NODE_STARTER_FILE), { force: true });
  return stopRealNode(clusterLayout(), defaultLog);
}

const NODE_STARTER_FILE = 'node-started-by.json';

/** True when the process `pid` (or one of its children, e.g. a Jest worker) started the running real node. */
export async function nodeStartedBy(pid: number): Promise<boolean> {
  const text = await readFile(join(clusterLayout().root, NODE_STARTER_FILE), 'utf8').catch(() => '');
  if (!text) return false;
  const starter = JSON.parse(text) as { pid: number; ppid: number };
  return starter.pid === pid || starter.ppid === pid;
}
