// One leadership term's writers: the reconcile workers and the autoscaler. Every request they make
// carries the term's signal, so when the term ends (lease lost) whatever is in flight is aborted and
// nothing new is sent.
import type { Logger } from 'pino';
import { Autoscaler } from './autoscale/runner.ts';
import type { Caches } from './caches.ts';
import { Applier } from './kube/apply.ts';
import { systemClock } from './kube/clock.ts';
import type { KubeClient } from './kube/client.ts';
import { Controller } from './kube/controller.ts';
import { isApiError } from './kube/errors.ts';
import { EventRecorder } from './kube/events.ts';
import type { WorkQueue } from './kube/work-queue.ts';
import type { OperatorMetrics } from './metrics.ts';
import type { OperatorOptions } from './options.ts';
import { Reconciler } from './reconcile.ts';

export interface TermContext {
  opts: OperatorOptions;
  client: KubeClient;
  caches: Caches;
  queue: WorkQueue;
  metrics: OperatorMetrics;
  identity: string;
  log: Logger;
}

/** Starts the term's writers; stop() drains them while the term still holds. */
export function startTerm(ctx: TermContext, signal: AbortSignal): { stop(): Promise<void> } {
  const { opts, caches, queue, metrics, log } = ctx;
  const client = ctx.client.withSignal(signal);
  const events = new EventRecorder({ client, instance: ctx.identity, log });
  const reconciler = new Reconciler({
    pipelines: caches.pipelines,
    owned: caches.owned,
    pods: caches.pods.store,
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
    workloads: [caches.owned.deployment.store, caches.owned.statefulSet.store],
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
