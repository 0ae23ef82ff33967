// Starting and stopping the processes of one local control plane, in dependency order, each awaited healthy.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import { type BinaryName, binaryPath } from './binaries.ts';
import {
  apiServerArgs, controllerManagerArgs, etcdArgs, kwokArgs, type Ports, schedulerArgs, schedulerConfig,
} from './flags.ts';
import { KUBERNETES_SERVICE_IP, REAL_NODE_IP, REAL_NODE_NAME } from './addresses.ts';
import { adminKubeconfig } from './kubeconfig.ts';
import { stopRealNode } from './node/node.ts';
import { FAKE_NODE_NAMES, fakeNode, kwokStages } from './kwok.ts';
import { type Layout, PKI_FILES } from './layout.ts';
import { generatePki } from './pki.ts';
import { freePorts } from '../support/free-port.ts';
import { get, waitFor } from './probe.ts';
import { isOurs, readPidFiles, type Started, startDetached, stopProcess } from './process.ts';

export type ClusterState = { apiServer: string; fingerprint: string; ports: Ports; startedAt: string };

/** Start order; stop runs it backwards. */
export const PROCESSES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;

/**
 * Everything a running cluster was configured with (binary versions, flags, stages, nodes). A running cluster
 * whose fingerprint differs from the current code's is replaced, so a change here never meets a stale cluster.
 */
export function fingerprint(layout: Layout, ports: Ports): string {
  const config = {
    binaries: PROCESSES.map((name) => binaryPath(name)),
    args: [etcdArgs(layout, ports), apiServerArgs(layout, ports), controllerManagerArgs(layout, ports), schedulerArgs(layout, ports), kwokArgs(layout)],
    scheduler: schedulerConfig(layout),
    stages: kwokStages(),
    nodes: FAKE_NODE_NAMES.map(fakeNode),
  };
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}

export async function adminTls(layout: Layout): Promise<{ ca: string; cert: string; key: string }> {
  const read = (f: keyof typeof PKI_FILES): Promise<string> => readFile(join(layout.pki, PKI_FILES[f]), 'utf8');
  return { ca: await read('caCert'), cert: await read('adminCert'), key: await read('adminKey') };
}

async function writePki(layout: Layout): Promise<void> {
  const pki = generatePki([REAL_NODE_IP, KUBERNETES_SERVICE_IP], REAL_NODE_NAME);
  const files: Record<keyof typeof PKI_FILES, string> = {
    caCert: pki.ca.cert, caKey: pki.ca.key,
    apiServerCert: pki.apiServer.cert, apiServerKey: pki.apiServer.key,
    adminCert: pki.admin.cert, adminKey: pki.admin.key,
    kubeletCert: pki.kubelet.cert, kubeletKey: pki.kubelet.key,
    kubeProxyCert: pki.kubeProxy.cert, kubeProxyKey: pki.kubeProxy.key,
    frontProxyCaCert: pki.frontProxyCa.cert,
    frontProxyClientCert: pki.frontProxyClient.cert, frontProxyClientKey: pki.frontProxyClient.key,
    serviceAccountKey: pki.serviceAccount.privateKey, serviceAccountPub: pki.serviceAccount.publicKey,
  };
  await mkdir(layout.pki, { recursive: true, mode: 0o700 });
  for (const [name, pem] of Object.entries(files)) {
    await writeFile(join(layout.pki, PKI_FILES[name as keyof typeof PKI_FILES]), pem, { mode: 0o600 });
  }
}

async function logTail(layout: Layout, name: string): Promise<string> {
  const text = await readFile(join(layout.logs, `${name}.log`), 'utf8').catch(() => '');
  return text.split('\n').slice(-15).join('\n');
}

/** For waitFor's abort: the first started process that died, with the end of its log. */
function deathWatch(layout: Layout, started: Started[]): () => Promise<string | undefined> {
  return async () => {
    for (const p of started) {
      if (!(await isOurs(p.pid, p.binary))) return `${p.name} exited; end of ${join(layout.logs, `${p.name}.log`)}:\n${await logTail(layout, p.name)}`;
    }
    return undefined;
  };
}

function nodeReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

async function createNodes(core: CoreV1Api): Promise<void> {
  for (const name of FAKE_NODE_NAMES) {
    try {
      await core.createNode({ body: fakeNode(name) });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
}

/**
 * Kills every process recorded under layout.pids and removes the cluster's files (the lock stays). The real node,
 * when this cluster holds it, goes first: its kubelet's credentials die with this cluster's certificates.
 */
export async function stopControlPlane(layout: Layout, log: Logger): Promise<void> {
  await stopRealNode(layout, log);
  const running = await readPidFiles(layout.pids);
  for (const name of [...PROCESSES].reverse()) {
    for (const p of running.filter((r) => r.name === name)) await stopProcess(p);
  }
  const lockName = layout.lock.slice(layout.root.length + 1);
  for (const entry of await readdir(layout.root).catch(() => [] as string[])) {
    if (entry !== lockName) await rm(join(layout.root, entry), { recursive: true, force: true });
  }
}

/** Starts a fresh control plane in layout.root; resolves when it serves, nodes are Ready and pods can be made. */
export async function startControlPlane(layout: Layout, log: Logger): Promise<ClusterState> {
  await stopControlPlane(layout, log);
  for (const dir of [layout.logs, layout.pids, layout.kwokWorkdir, layout.etcdData]) await mkdir(dir, { recursive: true });
  await chmod(layout.etcdData, 0o700);
  await writePki(layout);
  const [etcdClient, etcdPeer, apiServerPort, controllerManager, scheduler] = await freePorts(5);
  const ports: Ports = {
    etcdClient: etcdClient!, etcdPeer: etcdPeer!, apiServer: apiServerPort!, controllerManager: controllerManager!, scheduler: scheduler!,
  };
  const apiServer = `https://127.0.0.1:${ports.apiServer}`;
  const tls = await adminTls(layout);
  await writeFile(layout.kubeconfig, adminKubeconfig(apiServer, tls), { mode: 0o600 });
  await writeFile(layout.schedulerConfig, stringify(schedulerConfig(layout)));
  await writeFile(layout.kwokConfig, kwokStages().map((s) => stringify(s)).join('---\n'));

  const started: Started[] = [];
  const start = async (name: BinaryName, args: string[], env?: NodeJS.ProcessEnv): Promise<void> => {
    log.debug({ name, args }, 'starting');
    started.push(await startDetached(name, binaryPath(name), args, {
      logFile: join(layout.logs, `${name}.log`), pidDir: layout.pids, ...(env ? { env } : {}),
    }));
  };
  const abort = deathWatch(layout, started);

  await start('etcd', etcdArgs(layout, ports));
  await waitFor('etcd /health', async () => {
    const r = await get(`http://127.0.0.1:${ports.etcdClient}/health`);
    return r.status === 200 && r.body.includes('true') ? { value: true, observed: r.body } : { observed: `${r.status} ${r.body}` };
  }, { timeoutMs: 30_000, abort });

  await start('kube-apiserver', apiServerArgs(layout, ports));
  await waitFor('kube-apiserver /readyz', async () => {
    const r = await get(`${apiServer}/readyz`, tls);
    return r.status === 200 ? { value: true, observed: r.body } : { observed: `${r.status} ${r.body.slice(-300)}` };
  }, { timeoutMs: 120_000, abort });

  await start('kube-controller-manager', controllerManagerArgs(layout, ports));
  await start('kube-scheduler', schedulerArgs(layout, ports));
  // KWOK_WORKDIR keeps KWOK from also loading a personal ~/.kwok/kwok.yaml.
  await start('kwok', kwokArgs(layout), { ...process.env, KWOK_WORKDIR: layout.kwokWorkdir });

  const kc = new KubeConfig();
  kc.loadFromFile(layout.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  await createNodes(core);
  await waitFor('fake nodes Ready (KWOK)', async () => {
    const nodes = (await core.listNode()).items.filter((n) => (FAKE_NODE_NAMES as readonly string[]).includes(n.metadata?.name ?? ''));
    const ready = nodes.filter(nodeReady).length;
    return ready === FAKE_NODE_NAMES.length ? { value: true, observed: 'ready' } : { observed: `${ready}/${FAKE_NODE_NAMES.length} Ready` };
  }, { timeoutMs: 60_000, abort });
  for (const [name, port] of [['kube-controller-manager', ports.controllerManager], ['kube-scheduler', ports.scheduler]] as const) {
    await waitFor(`${name} /healthz`, async () => {
      // Their serving certificates are self-signed in memory; this is a loopback health probe only.
      const r = await get(`https://127.0.0.1:${port}/healthz`, { cert: tls.cert, key: tls.key, rejectUnauthorized: false });
      return r.status === 200 ? { value: true, observed: r.body } : { observed: `${r.status} ${r.body}` };
    }, { timeoutMs: 60_000, abort });
  }
  // Pods are refused until the serviceaccount controller made the namespace's default ServiceAccount.
  await waitFor('default ServiceAccount', async () => {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
      return { value: true, observed: 'present' };
    } catch (err) {
      return { observed: (err as Error).message.slice(0, 200) };
    }
  }, { timeoutMs: 60_000, abort });

  const state: ClusterState = { apiServer, fingerprint: fingerprint(layout, ports), ports, startedAt: new Date().toISOString() };
  await writeFile(layout.state, JSON.stringify(state, null, 2));
  return state;
}
