// Wiring of the operator: client, informers, work queue, leader election, endpoints, and per
// leadership term the writers (reconcile workers and the autoscaler). Informers run on every
// replica (so a new leader starts with warm caches); writers run only on the leader, under the
// term's abort signal. Losing the lease aborts the term and ends the process.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { API_VERSION, KIND } from '../api/constants.ts';
import { ListenError } from '../collector/listen.ts';
import { Autoscaler } from './autoscale/runner.ts';
import { serveEndpoints, type RunningEndpoints } from './http-endpoints.ts';
import { Applier } from './kube/apply.ts';
import { systemClock } from './kube/clock.ts';
import { KubeClient } from './kube/client.ts';
import { Controller } from './kube/controller.ts';
import { isApiError } from './kube/errors.ts';
import { EventRecorder } from './kube/events.ts';
import { Informer } from './kube/informer.ts';
import { LeaderElector, leaseStore } from './kube/leader-election.ts';
import { listerWatcher } from './kube/list-watch.ts';
import { resources } from './kube/resources.ts';
import { objectKey, type KubeObject } from './kube/types.ts';
import { WorkQueue } from './kube/work-queue.ts';
import { createMetrics, type OperatorMetrics } from './metrics.ts';
import { parseOperatorArgs, USAGE, type OperatorOptions } from './options.ts';
import { PipelineViews } from './pipelines.ts';
import { OWNED_KINDS, Reconciler, type OwnedKind } from './reconcile.ts';
import { MANAGED_BY } from './render/index.ts';

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

/** The key of the TelemetryPipeline controlling `obj`, if any. */
function ownerKey(obj: KubeObject): string | undefined {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller && r.kind === KIND && r.apiVersion === API_VERSION);
  return ref && obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : undefined;
}

/** The informer caches: they run on every replica, so a new leader starts with warm caches. */
interface Caches {
  pipelines: PipelineViews;
  owned: Record<OwnedKind, Informer<KubeObject>>;
  pods: Informer<KubeObject>;
  all: Informer<KubeObject>[];
}

function startCaches(client: KubeClient, opts: OperatorOptions, log: Logger, queue: WorkQueue): Caches {
  const informerOf = (kind: keyof typeof resources, labelSelector?: string) =>
    new Informer<KubeObject>({
      name: resources[kind].plural,
      log,
      lw: listerWatcher(client, resources[kind], { namespace: opts.namespace, labelSelector, watchTimeoutSeconds: opts.watchTimeoutSeconds }),
      inactivityMs: opts.watchInactivitySeconds * 1000,
    });
  const pipelineInformer = informerOf('pipeline');
  const selector = `app.kubernetes.io/managed-by=${MANAGED_BY}`;
  const owned = Object.fromEntries(OWNED_KINDS.map((k) => [k, informerOf(k, selector)])) as Record<OwnedKind, Informer<KubeObject>>;
  // The autoscaler scrapes the fleet's pods: their IPs come from Pods (loopback IPs are refused in EndpointSlices).
  const pods = informerOf('pod', selector);

  // Events are triggers, never input: they only put keys in the queue.
  const enqueue = (obj: KubeObject) => queue.add(objectKey(obj));
  pipelineInformer.on({ add: enqueue, update: enqueue, delete: enqueue });
  const enqueueOwner = (obj: KubeObject) => {
    const key = ownerKey(obj);
    if (key) queue.add(key);
  };
  for (const inf of Object.values(owned)) inf.on({ add: enqueueOwner, update: enqueueOwner, delete: enqueueOwner });

  const all = [pipelineInformer, ...Object.values(owned), pods];
  for (const inf of all) inf.start();
  return { pipelines: new PipelineViews(pipelineInformer), owned, pods, all };
}

interface TermContext {
  opts: OperatorOptions;
  client: KubeClient;
  caches: Caches;
  queue: WorkQueue;
  metrics: OperatorMetrics;
  identity: string;
  log: Logger;
}

/**
 * The writers of one leadership term: reconcile workers and the autoscaler. Every request they make carries the
 * term's signal, so when the term ends (lease lost) whatever is in flight is aborted and nothing new is sent.
 */
function startTerm(ctx: TermContext, signal: AbortSignal): { stop(): Promise<void> } {
  const { opts, caches, queue, metrics, log } = ctx;
  const client = ctx.client.withSignal(signal);
  const events = new EventRecorder({ client, instance: ctx.identity, log });
  const reconciler = new Reconciler({
    pipelines: caches.pipelines,
    owned: caches.owned,
    applier: new Applier(client),
    client,
    events,
    signal,
    image: opts.collectorImage,
    clock: systemClock,
  });
  const controller = new Controller({
    queue,
    concurrency: opts.concurrency,
    resyncMs: opts.resyncSeconds * 1000,
    listKeys: () => caches.pipelines.keys(),
    reconcile: (key) => reconciler.reconcile(key),
    onOutcome: (key, outcome, seconds, err) => {
      metrics.onOutcome(outcome, seconds);
      if (signal.aborted) log.debug({ key, outcome }, 'reconcile ended with the term');
      else if (outcome === 'error' && isApiError(err, 409)) log.info({ key, err: (err as Error).message }, 'conflict, retrying');
      else if (outcome === 'error') log.error({ key, err: (err as Error).message, retries: queue.numRequeues(key) }, 'reconcile failed');
      else if (outcome === 'terminal') log.error({ key, err: (err as Error).message }, 'reconcile failed permanently');
      else log.debug({ key, outcome, seconds }, 'reconciled');
    },
  });
  const autoscaler = new Autoscaler({
    pipelines: caches.pipelines,
    deployments: caches.owned.deployment.store,
    pods: caches.pods.store,
    client,
    events,
    signal,
    clock: systemClock,
    log: log.child({ component: 'autoscaler' }),
  });
  metrics.setLeader(true);
  controller.enqueueAll();
  controller.start();
  autoscaler.start();
  return {
    async stop() {
      await autoscaler.stop();
      await controller.stop();
    },
  };
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
  const lead = async (signal: AbortSignal) => {
    await synced;
    if (!stopping && !signal.aborted) term = startTerm({ opts, client, caches, queue, metrics, identity, log }, signal);
  };

  // Without leader election the term is the life of the process.
  const solo = opts.leaderElect ? undefined : new AbortController();
  const elector = opts.leaderElect
    ? new LeaderElector({
        identity,
        log,
        store: leaseStore(client, opts.leaderElectionNamespace, opts.leaderElectionId),
        onStartedLeading: (signal) => void lead(signal),
        // The term's signal has aborted every request in flight; the process ends, as with client-go's OnStoppedLeading.
        onStoppedLeading: () => void stop().then(resolveStopped),
      })
    : undefined;
  if (elector) void elector.start();
  else void lead(solo!.signal);

  async function stop(): Promise<void> {
    stopping ??= (async () => {
      log.info('shutting down');
      // Finish in-flight evaluations and reconciles while the term still holds, then end it and release the lease.
      await term?.stop();
      await elector?.stop();
      solo?.abort(new Error('operator stopped'));
      metrics.setLeader(false);
      await Promise.all(caches.all.map((i) => i.stop()));
      await endpoints.close();
      client.close();
      log.info('stopped');
    })();
    return stopping;
  }

  return {
    metrics,
    endpoints,
    identity,
    synced,
    isLeader: () => (elector ? elector.isLeader : !solo!.signal.aborted),
    stopped,
    stop,
  };
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
