// The local control plane for integration tests, demos and benchmarks:
//   const { kubeconfig, apiServer } = await ensureCluster();
// reuses a healthy running cluster (started by an earlier test run or `npm run cluster:up`), or builds the
// binaries (cached) and starts one. Many Jest workers may call it at once: a file lock serializes them.
import { mkdir, readFile } from 'node:fs/promises';
import pino, { type Logger } from 'pino';
import { ensureBinaries } from './build.ts';
import { adminTls, type ClusterState, fingerprint, PROCESSES, startControlPlane, stopControlPlane } from './control-plane.ts';
import { clusterLayout, type Layout } from './layout.ts';
import { withLock } from './lock.ts';
import { get } from './probe.ts';
import { isOurs, readPidFiles } from './process.ts';

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

/** Stops every control-plane process and deletes the cluster's state (certificates, etcd data, logs). */
export async function stopCluster(): Promise<void> {
  const layout = clusterLayout();
  await mkdir(layout.root, { recursive: true });
  await withLock(layout.lock, LOCK_TIMEOUT_MS, () => stopControlPlane(layout));
  pending = undefined;
}
