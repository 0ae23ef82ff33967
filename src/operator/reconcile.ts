// reconcile(key): read the TelemetryPipeline from the cache, render its fleet, apply what differs,
// write status when it changed. Level-based: the key is the only input, the cache is the state.
// One Reconciler serves one leadership term: its requests carry the term's signal.
import { fleetName, fleetWorkload, selectorString } from './render/index.ts';
import { renderTieredFleet, type TieredFleet } from './render/tiers.ts';
import { samplerDesired, samplerPrunable, type SamplerKind } from './sampler-objects.ts';
import { computeStatus, deploymentObserved, statusChanged, statusWriteDelay, workloadReady, type RenderOutcome } from './status.ts';
import { withSamplerStatus } from './sampler-status.ts';
import { withPersistenceStatus } from './persistence-status.ts';
import { announcements } from './announce.ts';
import { QueueDrains } from './queue-drains.ts';
import { FIELD_MANAGER, type Applier } from './kube/apply.ts';
import type { Clock } from './kube/clock.ts';
import type { KubeRequester } from './kube/client.ts';
import type { ReconcileResult } from './kube/controller.ts';
import { isApiError, TerminalError } from './kube/errors.ts';
import type { EventRecorder } from './kube/events.ts';
import type { Informer } from './kube/informer.ts';
import type { Store } from './kube/store.ts';
import { objectPath, resources, type ResourceType } from './kube/resources.ts';
import { objectKey, type KubeObject } from './kube/types.ts';
import type { PipelineObject, PipelineView, PipelineViews } from './pipelines.ts';
import type { PendingQueue } from '../api/status.ts';
import type { TelemetryPipeline } from '../api/telemetry-pipeline.ts';

export { TerminalError };

export type OwnedKind =
  | 'serviceAccount'
  | 'configMap'
  | 'service'
  | 'podDisruptionBudget'
  | 'deployment'
  | 'role'
  | 'roleBinding'
  | 'statefulSet'
  | 'job'
  | 'persistentVolumeClaim';
export const OWNED_KINDS: readonly OwnedKind[] = [
  'serviceAccount',
  'configMap',
  'service',
  'podDisruptionBudget',
  'deployment',
  'role',
  'roleBinding',
  'statefulSet',
  'job',
  'persistentVolumeClaim',
];

/** The fleet's workload kinds: a StatefulSet with spec.persistence, else a Deployment. */
type WorkloadKind = 'deployment' | 'statefulSet';

/** While one workload kind replaces the other, how soon to look again whether the new one serves. */
const WORKLOAD_SWITCH_REQUEUE_MS = 2000;

export interface ReconcilerDeps {
  pipelines: PipelineViews;
  owned: Record<OwnedKind, Informer<KubeObject>>;
  /** The fleets' pods: which queue claims a collector still mounts. */
  pods: Store<KubeObject>;
  applier: Applier;
  /** Requests carry the leadership term's signal. */
  client: KubeRequester;
  events: EventRecorder;
  /** The leadership term: once it aborts, no reconcile starts. */
  signal: AbortSignal;
  /** Image for pipelines without spec.image. */
  image: string;
  clock: Clock;
  /**
   * After the Deployment changed, a status that only says "rolling out" waits this long for the
   * rollout to finish, so a quick rollout costs one status write instead of two (default 10s).
   */
  statusSettleMs?: number;
}

/**
 * A pipeline whose Service does not exist yet gets only its Service in one pass; the rest follows in the next (the
 * Service's own watch event requeues the key too). kube-apiserver allocates ClusterIPs one at a time, each holding
 * its allocator's lock across an etcd write: when many pipelines arrive at once, creating their Services before any
 * Deployment lets every allocation run while the API server is quiet (1000 in about 5 s here) instead of queueing
 * behind the Deployments' ReplicaSet and Pod churn (about 10 per second, bench/operator). Users keep their ClusterIP.
 */
const SERVICE_FIRST_REQUEUE_MS = 1;

type Rendered = { outcome: RenderOutcome & { ok: true }; fleet: TieredFleet } | { outcome: RenderOutcome & { ok: false }; fleet?: undefined };

/** What applying the fleet did to each owned object. */
export interface Applied {
  kind: OwnedKind;
  created: boolean;
  changed: boolean;
  /** The object as it was before the apply. */
  before: KubeObject | undefined;
}

export class Reconciler {
  readonly #d: ReconcilerDeps;
  /** Rendering is a pure function of the parsed spec, which is one object per generation: each is rendered once. */
  readonly #rendered = new WeakMap<TelemetryPipeline, Rendered>();
  /** When each pipeline's Deployment last changed (in memory: after a restart the status is just written sooner). */
  readonly #rolloutStartedAt = new Map<string, number>();
  /** Pipelines whose Service an earlier pass created: the next pass announces it with the rest. */
  readonly #serviceCreatedFirst = new Set<string>();

  readonly #drains: QueueDrains;

  constructor(deps: ReconcilerDeps) {
    this.#d = deps;
    this.#drains = new QueueDrains({
      jobs: deps.owned.job,
      claims: deps.owned.persistentVolumeClaim.store,
      pods: deps.pods,
      applier: deps.applier,
      client: deps.client,
      events: deps.events,
    });
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    this.#d.signal.throwIfAborted();
    const view = this.#d.pipelines.get(key);
    // Gone or going: owner references let the garbage collector remove the fleet.
    if (!view) {
      this.#rolloutStartedAt.delete(key);
      this.#serviceCreatedFirst.delete(key);
      return;
    }
    const rendered = this.#render(view);
    try {
      if (!rendered.fleet) return await this.#reportInvalid(key, view.object, rendered.outcome);
      if (await this.#createServiceFirst(key, rendered.fleet)) return { requeueAfterMs: SERVICE_FIRST_REQUEUE_MS };
      // Before the StatefulSet is applied: a scale-up that wants a drained ordinal back deletes its drain Job first.
      const pendingQueues = await this.#drainQueues(view.object, rendered.fleet);
      const applied = this.#withServiceCreatedFirst(key, await this.#applyFleet(rendered.fleet));
      await this.#applySampler(view.object, rendered.fleet);
      if (applied.find((a) => a.kind === workloadKind(rendered.fleet))?.changed) this.#rolloutStartedAt.set(key, this.#d.clock.now());
      for (const event of announcements(rendered.fleet, applied)) this.#d.events.record({ regarding: view.object, ...event });
      const workload = this.#d.owned[workloadKind(rendered.fleet)].store.get(objectKey(fleetWorkload(rendered.fleet) as KubeObject));
      const switching = await this.#retireOtherWorkload(rendered.fleet, workload);
      // Until the workload's controller has seen the current spec its status says nothing about this rollout; its
      // status update will trigger the next reconcile, so writing now would only add a write.
      if (!deploymentObserved(workload)) return switching;
      return (await this.#writeStatus(key, view.object, rendered.outcome, workload, this.#samplerDeployment(rendered.fleet), pendingQueues)) ?? switching;
    } catch (err) {
      // A 409 is optimistic concurrency doing its job (someone wrote first): retried, not worth an event.
      // An abort is the end of the term: nothing more is written.
      if (!isApiError(err, 409) && !this.#d.signal.aborted) {
        this.#d.events.record({ regarding: view.object, type: 'Warning', reason: 'ReconcileError', action: 'Reconcile', note: (err as Error).message });
      }
      throw err;
    }
  }

  /** Renders the fleet, or says which field of the spec is invalid. */
  #render(view: PipelineView): Rendered {
    if (!view.parsed.ok) {
      const message = view.parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      return { outcome: { ok: false, reason: 'InvalidSpec', message } };
    }
    const pipeline = view.parsed.pipeline;
    let rendered = this.#rendered.get(pipeline);
    if (!rendered) {
      rendered = renderPipeline(pipeline, this.#d.image);
      this.#rendered.set(pipeline, rendered);
    }
    return rendered;
  }

  /** Leaves the running fleet exactly as it is; only the status and an event say what is wrong. */
  async #reportInvalid(key: string, pipeline: PipelineObject, outcome: RenderOutcome & { ok: false }): Promise<ReconcileResult | void> {
    this.#d.events.record({ regarding: pipeline, type: 'Warning', reason: outcome.reason, action: 'Render', note: outcome.message });
    const { namespace, name } = pipeline.metadata;
    const workloadKey = `${namespace}/${fleetName(name)}`;
    const workload = this.#d.owned.statefulSet.store.get(workloadKey) ?? this.#d.owned.deployment.store.get(workloadKey);
    return this.#writeStatus(key, pipeline, outcome, workload);
  }

  /** True when the Service was missing and this pass created it (and nothing else): see SERVICE_FIRST_REQUEUE_MS. */
  async #createServiceFirst(key: string, fleet: TieredFleet): Promise<boolean> {
    if (this.#d.owned.service.store.get(objectKey(fleet.service as KubeObject))) return false;
    const applied = await this.#apply('service', fleet.service);
    if (applied.created) this.#serviceCreatedFirst.add(key);
    return true;
  }

  #withServiceCreatedFirst(key: string, applied: Applied[]): Applied[] {
    if (!this.#serviceCreatedFirst.delete(key)) return applied;
    return applied.map((a) => (a.kind === 'service' ? { ...a, created: true, before: undefined } : a));
  }

  /**
   * The sampling tier with tailSampling (its pods' ServiceAccount and ConfigMap before its Deployment), or, without
   * it, the removal of whatever an earlier spec made of it: owner references only act when the pipeline goes.
   */
  async #applySampler(pipeline: PipelineObject, fleet: TieredFleet): Promise<void> {
    if (!fleet.sampler) {
      const { namespace, name } = pipeline.metadata;
      const stores = (kind: SamplerKind) => this.#d.owned[kind].store;
      await Promise.all(samplerPrunable(namespace!, name, stores).map((o) => this.#delete(o.kind, o.object)));
      return;
    }
    const [first, then] = samplerDesired(fleet.sampler);
    await Promise.all(first.map((o) => this.#apply(o.kind, o.object)));
    await Promise.all(then.map((o) => this.#apply(o.kind, o.object)));
  }

  #samplerDeployment(fleet: TieredFleet): { deployment: KubeObject | undefined } | undefined {
    return fleet.sampler && { deployment: this.#d.owned.deployment.store.get(objectKey(fleet.sampler.deployment as KubeObject)) };
  }

  /** Deletes an owned object the cache holds; one already gone is what was wanted. */
  async #delete(kind: OwnedKind, obj: KubeObject): Promise<void> {
    const { namespace, name, uid } = obj.metadata;
    await this.#d.client
      .request('DELETE', objectPath(resources[kind] as ResourceType, namespace, name!), { body: { preconditions: { uid } } })
      .catch((err: unknown) => {
        if (!isApiError(err, 404)) throw err;
      });
  }

  /**
   * Switching spec.persistence replaces one workload kind by the other without a gap: both select the same pods'
   * labels, so the Service sends to the old pods until the new workload is ready, and only then is the old one
   * deleted (its pods drain as in any scale-in). Until then, a requeue to look again.
   */
  async #retireOtherWorkload(fleet: TieredFleet, workload: KubeObject | undefined): Promise<ReconcileResult | undefined> {
    const other: WorkloadKind = workloadKind(fleet) === 'statefulSet' ? 'deployment' : 'statefulSet';
    const old = this.#d.owned[other].store.get(objectKey(fleetWorkload(fleet) as KubeObject));
    if (!old || old.metadata.deletionTimestamp) return undefined;
    if (!workloadReady(workload, fleetWorkload(fleet).spec?.replicas ?? 0)) return { requeueAfterMs: WORKLOAD_SWITCH_REQUEUE_MS };
    await this.#delete(other, old);
    return undefined;
  }

  /**
   * With a claim per replica, the queues of replicas scaled away: drain Jobs, then their claims go. Decided from the
   * desired replicas: the claims of replicas about to go are still mounted by their pods, so they only wait.
   */
  async #drainQueues(pipeline: PipelineObject, fleet: TieredFleet) {
    if (!fleet.drainJob || !this.#d.owned.statefulSet.store.get(objectKey(fleetWorkload(fleet) as KubeObject))) return undefined;
    return this.#drains.reconcile(pipeline, fleet, fleetWorkload(fleet).spec?.replicas ?? 0);
  }

  async #applyFleet(fleet: TieredFleet): Promise<Applied[]> {
    // The pods need their ServiceAccount and ConfigMap, so those go before the Deployment. The Service (which
    // exists by now, see SERVICE_FIRST_REQUEUE_MS: this apply only updates it) and the PDB are applied alongside.
    const withPods = (async () => {
      const inputs = await Promise.all([this.#apply('serviceAccount', fleet.serviceAccount), this.#apply('configMap', fleet.configMap)]);
      return [...inputs, await this.#apply(workloadKind(fleet), fleetWorkload(fleet))];
    })();
    const others = Promise.all([this.#apply('service', fleet.service), this.#apply('podDisruptionBudget', fleet.podDisruptionBudget)]);
    // Both settle before anything is reported, so a failure in one never leaves the other running.
    const [a, b] = await Promise.allSettled([withPods, others]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
    return [...a.value, ...b.value];
  }

  async #apply(kind: OwnedKind, desired: object): Promise<Applied> {
    const obj = desired as KubeObject;
    const informer = this.#d.owned[kind];
    const before = informer.store.get(objectKey(obj));
    const result = await this.#d.applier.apply(resources[kind] as ResourceType, obj, before).catch((err: unknown) => {
      // The API server refusing the object itself (not a conflict or an outage) cannot be fixed by
      // retrying the same spec; the next change of the pipeline (or the periodic resync) tries again.
      if (isApiError(err, 422) || isApiError(err, 400)) throw new TerminalError(`${resources[kind].kind} ${objectKey(obj)}: ${err.message}`, { cause: err });
      throw err;
    });
    if (result.changed) informer.writeThrough(result.object);
    return { kind, created: result.created, changed: result.changed, before };
  }

  async #writeStatus(
    key: string,
    pipeline: PipelineObject,
    outcome: RenderOutcome,
    deployment: KubeObject | undefined,
    sampler?: { deployment: KubeObject | undefined },
    pendingQueues?: PendingQueue[],
  ): Promise<ReconcileResult | void> {
    const now = this.#d.clock.now();
    const input = { previous: pipeline.status, generation: pipeline.metadata.generation ?? 0, render: outcome, deployment, now };
    const next = withPersistenceStatus(withSamplerStatus(computeStatus(input), outcome, sampler, pipeline.status), outcome, pendingQueues, pipeline.status);
    if (!statusChanged(pipeline.status, next)) return;
    const delay = statusWriteDelay(next, this.#rolloutStartedAt.get(key), now, this.#d.statusSettleMs ?? 10000);
    if (delay > 0) return { requeueAfterMs: delay };
    this.#rolloutStartedAt.delete(key);
    const { namespace, name, resourceVersion } = pipeline.metadata;
    // resourceVersion makes the patch conditional: a status computed from an outdated spec gets 409.
    const updated = await this.#d.client.request<KubeObject>('PATCH', objectPath(resources.pipeline, namespace, name, 'status'), {
      // A merge patch keeps fields it does not name: a sampling tier gone from the spec, or the last pending queue
      // delivered, is removed from status by null.
      body: { metadata: { resourceVersion }, status: { ...next, ...removedFields(pipeline.status, next) } },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: FIELD_MANAGER },
    });
    this.#d.pipelines.writeThrough(updated);
  }
}

/** The fleet of a valid pipeline (rendering cannot fail: the schema holds every check). */
function renderPipeline(pipeline: TelemetryPipeline, image: string): Rendered {
  const fleet = renderTieredFleet(pipeline, { image });
  const replicas = fleetWorkload(fleet).spec?.replicas ?? 0;
  return { outcome: { ok: true, configHash: fleet.configHash, selector: selectorString(pipeline.metadata.name), replicas }, fleet };
}

function workloadKind(fleet: TieredFleet): WorkloadKind {
  return fleet.statefulSet ? 'statefulSet' : 'deployment';
}

/** null for each optional status field the previous status had and the next one has not (merge patch removal). */
function removedFields(previous: PipelineObject['status'], next: object): Record<string, null> {
  const removed: Record<string, null> = {};
  for (const field of ['sampler', 'persistence'] as const) if (previous?.[field] && (next as Record<string, unknown>)[field] === undefined) removed[field] = null;
  return removed;
}
