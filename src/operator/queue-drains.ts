// The effects of planDrains for one pipeline: create and delete drain Jobs, delete drained claims, and say so in
// events. Status reports what is still pending (status.persistence.pendingQueues).
import type { PendingQueue } from '../api/status.ts';
import { claimsMountedByCollectors, claimViews, jobViews } from './drain-observe.ts';
import { planDrains, type DrainPlan } from './drain.ts';
import type { Applier } from './kube/apply.ts';
import type { KubeRequester } from './kube/client.ts';
import { isApiError } from './kube/errors.ts';
import type { EventRecorder } from './kube/events.ts';
import type { Informer } from './kube/informer.ts';
import { objectPath, resources, type ResourceType } from './kube/resources.ts';
import type { Store } from './kube/store.ts';
import type { KubeObject } from './kube/types.ts';
import type { PipelineObject } from './pipelines.ts';
import { drainJobName, queueClaimName, type RenderedFleet } from './render/index.ts';

export interface QueueDrainDeps {
  jobs: Informer<KubeObject>;
  claims: Store<KubeObject>;
  pods: Store<KubeObject>;
  applier: Applier;
  client: KubeRequester;
  events: EventRecorder;
}

/** Deletes an object; one already gone is what was wanted. Jobs take their pods with them (Background). */
export async function deleteObject(client: KubeRequester, rt: ResourceType, obj: { namespace: string; name: string }): Promise<void> {
  await client
    .request('DELETE', objectPath(rt, obj.namespace, obj.name), { body: { propagationPolicy: 'Background' } })
    .catch((err: unknown) => {
      if (!isApiError(err, 404)) throw err;
    });
}

export class QueueDrains {
  readonly #d: QueueDrainDeps;

  constructor(deps: QueueDrainDeps) {
    this.#d = deps;
  }

  /** One pass for a pipeline whose StatefulSet runs `replicas`: what is still pending after it. */
  async reconcile(pipeline: PipelineObject, fleet: RenderedFleet, replicas: number): Promise<PendingQueue[]> {
    const namespace = pipeline.metadata.namespace!;
    const name = pipeline.metadata.name;
    const plan = planDrains({
      replicas,
      claims: claimViews(this.#d.claims.values(), namespace, name),
      jobs: jobViews(this.#d.jobs.store.values(), namespace, name),
      mountedByCollector: claimsMountedByCollectors(this.#d.pods.values(), namespace),
      canDrain: fleet.drainJob?.(0) !== undefined,
    });
    await this.#execute(pipeline, fleet, plan);
    return plan.pending;
  }

  async #execute(pipeline: PipelineObject, fleet: RenderedFleet, plan: DrainPlan): Promise<void> {
    const namespace = pipeline.metadata.namespace!;
    const name = pipeline.metadata.name;
    const note = (type: 'Normal' | 'Warning', reason: string, text: string) =>
      this.#d.events.record({ regarding: pipeline, type, reason, action: 'DrainQueue', note: text });
    await Promise.all([
      ...plan.createJobs.map(async (ordinal) => {
        const job = fleet.drainJob!(ordinal)!;
        const result = await this.#d.applier.apply(resources.job, job as KubeObject, undefined);
        this.#d.jobs.writeThrough(result.object);
        note('Normal', 'DrainStarted', `replica ${ordinal} was scaled away with its queue on PersistentVolumeClaim ${queueClaimName(name, ordinal)}: Job ${drainJobName(name, ordinal)} delivers it`);
      }),
      ...plan.deleteJobs.map(async ({ name: job, ordinal, reason }) => {
        await deleteObject(this.#d.client, resources.job, { namespace, name: job });
        const claim = queueClaimName(name, ordinal);
        if (reason === 'Failed') note('Warning', 'DrainFailed', `Job ${job} gave up delivering the queue on PersistentVolumeClaim ${claim}, which keeps the undelivered data; a new Job retries`);
        if (reason === 'ScaledUp') note('Normal', 'DrainCancelled', `replica ${ordinal} is back and takes over its queue on PersistentVolumeClaim ${claim}: Job ${job} deleted`);
      }),
      ...plan.deleteClaims.map(async ({ name: claim, job }) => {
        await deleteObject(this.#d.client, resources.persistentVolumeClaim, { namespace, name: claim });
        note('Normal', 'QueueDrained', `Job ${job} delivered the whole queue on PersistentVolumeClaim ${claim}: claim deleted`);
      }),
    ]);
  }
}
