// Wiring of the operator: client, informers, work queue, leader election, endpoints, and per
// leadership term the writers (reconcile workers and the autoscaler). Informers run on every
// replica (so a new leader starts with warm caches); writers run only on the leader, under the
// term's abort signal. Losing the lease aborts the term and ends the process.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { ListenError } from '../collector/listen.ts';
import { startCaches } from './caches.ts';
import { serveEndpoints, type RunningEndpoints } from './http-endpoints.ts';
import { KubeClient } from './kube/client.ts';
import { LeaderElector, leaseStore, SoleLeader } from './kube/leader-election.ts';
import { WorkQueue } from './kube/work-queue.ts';
import { createMetrics, type OperatorMetrics } from './metrics.ts';
import { parseOperatorArgs, USAGE, type OperatorOptions } from './options.ts';
import { MANAGED_BY } from './render/index.ts';
import { startTerm } from './term.ts';

export interface OperatorHandle {
  metrics: OperatorMetrics;
  endpoints: RunningEndpoints;
  identity: string;
  /** Resolves when every informer has synced. */
  synced: Promise<void>;
  isLeader(): boolean;
  /** Resolves when the operator stopped on its own (lost leadership). */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** A ready KubeConfig instead of --kubeconfig / the default locations. */
  kubeConfig?: KubeConfig;
}

function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

export async function startOperator(opts: OperatorOptions, start: StartOptions = {}): Promise<OperatorHandle> {
  const log = start.log ?? pino({ level: opts.logLevel, base: { component: 'operator' } });
  const kc = start.kubeConfig ?? loadKubeConfig(opts.kubeconfig);
  const identity = `${hostname()}_${randomUUID()}`;
  const queue = new WorkQueue();
  const metrics = createMetrics(() => queue.length);
  // Up to four requests of one reconcile run at once; a connection each keeps them off the agent's queue.
  const client = new KubeClient(kc, {
    userAgent: `${MANAGED_BY}/${identity}`,
    maxSockets: opts.concurrency * 4,
    onRequest: (i) => metrics.onRequest(i),
  });

  // Listen first: an address in use fails the start before anything runs that would need stopping.
  let allSynced = false;
  const endpoints = await serveEndpoints(
    { healthz: () => true, readyz: () => allSynced, registry: metrics.registry },
    opts.metricsAddr,
    opts.healthAddr,
  );
  log.info({ metrics: endpoints.metricsAddress, health: endpoints.healthAddress, identity }, 'operator listening');

  const caches = startCaches(client, opts, log, queue);
  const synced = Promise.all(caches.all.map((i) => i.waitForSync())).then(() => log.info('caches synced'));
  void synced.then(() => (allSynced = true));

  let stopping: Promise<void> | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let term: { stop(): Promise<void> } | undefined;
  const onStartedLeading = (signal: AbortSignal) =>
    void synced.then(() => {
      if (!stopping && !signal.aborted) term = startTerm({ opts, client, caches, queue, metrics, identity, log }, signal);
    });
  const leadership = opts.leaderElect
    ? new LeaderElector({
        identity,
        log,
        store: leaseStore(client, opts.leaderElectionNamespace, opts.leaderElectionId),
        onStartedLeading,
        // The term's signal has aborted every request in flight; the process ends, as with client-go's OnStoppedLeading.
        onStoppedLeading: () => void stop().then(resolveStopped),
      })
    : new SoleLeader({ onStartedLeading });
  void leadership.start();

  async function stop(): Promise<void> {
    stopping ??= (async () => {
      log.info('shutting down');
      // Finish in-flight evaluations and reconciles while the term still holds, then end it (and release the lease).
      await term?.stop();
      await leadership.stop();
      metrics.setLeader(false);
      await Promise.all(caches.all.map((i) => i.stop()));
      await endpoints.close();
      client.close();
      log.info('stopped');
    })();
    return stopping;
  }

  return { metrics, endpoints, identity, synced, isLeader: () => leadership.isLeader, stopped, stop };
}

/** `tpo operator`: runs until SIGTERM/SIGINT (exit 0) or lost leadership (exit 1). */
export async function operatorCommand(args: string[]): Promise<number> {
  let opts: OperatorOptions;
  try {
    opts = parseOperatorArgs(args);
  } catch (err) {
    process.stderr.write(`tpo operator: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  let handle: OperatorHandle;
  try {
    handle = await startOperator(opts);
  } catch (err) {
    // A taken address is the user's to fix with the flag the message names: one line, no stack.
    if (!(err instanceof ListenError)) throw err;
    process.stderr.write(`tpo operator: ${err.message}\n`);
    return 1;
  }
  const signalled = new Promise<number>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(0));
  });
  const code = await Promise.race([signalled, handle.stopped.then(() => 1)]);
  await handle.stop();
  return code;
}
