// reconcile(key): read the TelemetryPipeline from the cache, render the fleet, apply what differs,
// write status when it changed. Level-based: the key is the only input, the cache is the state.
import { parsePipeline, type TelemetryPipeline, type TelemetryPipelineStatus } from '../api/telemetry-pipeline.ts';
import { ANNOTATION_CONFIG_HASH, fleetName, RenderError, renderFleet, selectorString, type RenderedFleet } from './render/index.ts';
import { desiredReplicas } from './replicas.ts';
import { computeStatus, deploymentObserved, statusChanged, statusWriteDelay, type RenderOutcome } from './status.ts';
import type { Applier } from './kube/apply.ts';
import type { Clock } from './kube/clock.ts';
import type { KubeClient } from './kube/client.ts';
import type { ReconcileResult } from './kube/controller.ts';
import type { EventRecorder } from './kube/events.ts';
import type { Informer } from './kube/informer.ts';
import { objectPath, resources, type ResourceType } from './kube/resources.ts';
import { objectKey, type KubeObject } from './kube/types.ts';
import { isApiError, TerminalError } from './kube/errors.ts';

export { TerminalError };

export type OwnedKind = 'serviceAccount' | 'configMap' | 'service' | 'podDisruptionBudget' | 'deployment';
export const OWNED_KINDS: readonly OwnedKind[] = ['serviceAccount', 'configMap', 'service', 'podDisruptionBudget', 'deployment'];

export interface ReconcilerDeps {
  pipelines: Informer<KubeObject>;
  owned: Record<OwnedKind, Informer<KubeObject>>;
  applier: Applier;
  client: KubeClient;
  events: EventRecorder;
  /** Image for pipelines without spec.image. */
  image: string;
  clock: Clock;
  /**
   * After the Deployment changed, a status that only says "rolling out" waits this long for the
   * rollout to finish, so a quick rollout costs one status write instead of two (default 5s).
   */
  statusSettleMs?: number;
}

type PipelineObject = KubeObject & { status?: TelemetryPipelineStatus };

type Rendered = { outcome: RenderOutcome & { ok: true }; fleet: RenderedFleet } | { outcome: RenderOutcome & { ok: false }; fleet?: undefined };

/** Renders the fleet, or says which field prevents it. Only unexpected errors throw. */
function render(raw: PipelineObject, image: string): Rendered {
  // Status is not input: a malformed status written by someone else must not make the spec "invalid".
  const parsed = parsePipeline({ ...raw, status: undefined });
  if (!parsed.ok) {
    const message = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return { outcome: { ok: false, reason: 'InvalidSpec', message } };
  }
  const pipeline: TelemetryPipeline = parsed.pipeline;
  const replicas = desiredReplicas(pipeline.spec, raw.status);
  try {
    const fleet = renderFleet(pipeline, { image, replicas });
    return { outcome: { ok: true, configHash: fleet.configHash, selector: selectorString(pipeline.metadata.name), replicas }, fleet };
  } catch (err) {
    if (err instanceof RenderError) return { outcome: { ok: false, reason: 'RenderFailed', message: `${err.path}: ${err.message}` } };
    throw err;
  }
}

const configHashOf = (d: KubeObject | undefined) =>
  (d?.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template?.metadata?.annotations?.[
    ANNOTATION_CONFIG_HASH
  ];

export function createReconciler(deps: ReconcilerDeps): (key: string) => Promise<ReconcileResult | void> {
  const { pipelines, owned, applier, client, events, clock } = deps;

  const settleMs = deps.statusSettleMs ?? 5000;
  /** When the reconcile last changed each pipeline's Deployment (in memory: a restart just writes sooner). */
  const rolloutStarted = new Map<string, number>();

  async function apply(kind: OwnedKind, desired: object): Promise<{ kind: OwnedKind; created: boolean; changed: boolean; live: KubeObject | undefined }> {
    const obj = desired as KubeObject;
    const informer = owned[kind];
    const live = informer.store.get(objectKey(obj));
    const result = await applier.apply(resources[kind] as ResourceType, obj, live).catch((err: unknown) => {
      // The API server refusing the object itself (not a conflict or an outage) cannot be fixed by
      // retrying the same spec; the next change of the pipeline (or the periodic resync) tries again.
      if (isApiError(err, 422) || isApiError(err, 400)) throw new TerminalError(`${resources[kind].kind} ${objectKey(obj)}: ${err.message}`, { cause: err });
      throw err;
    });
    if (result.changed) informer.writeThrough(result.object);
    return { kind, created: result.created, changed: result.changed, live };
  }

  async function applyFleet(key: string, raw: PipelineObject, fleet: RenderedFleet): Promise<void> {
    // The pods need their ServiceAccount and ConfigMap, so those go before the Deployment. The Service
    // and the PDB are applied alongside: a Service create waits for its ClusterIP allocation, which is
    // the slowest write under load and must not hold the Deployment back.
    const withPods = (async () => {
      const inputs = await Promise.all([apply('serviceAccount', fleet.serviceAccount), apply('configMap', fleet.configMap)]);
      return [...inputs, await apply('deployment', fleet.deployment)];
    })();
    const others = Promise.all([apply('service', fleet.service), apply('podDisruptionBudget', fleet.podDisruptionBudget)]);
    // Both settle before anything is reported, so a failure in one never leaves the other running.
    const [a, b] = await Promise.allSettled([withPods, others]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
    const results = [...a.value, ...b.value];
    const deployment = results.find((r) => r.kind === 'deployment')!;
    if (deployment.changed) rolloutStarted.set(key, clock.now());
    const created = results.filter((r) => r.created).map((r) => resources[r.kind].kind);
    const name = fleet.deployment.metadata?.name ?? '';
    if (created.length > 0) {
      events.record({ regarding: raw, type: 'Normal', reason: 'Created', action: 'Apply', note: `created ${created.join(', ')} ${name}` });
    }
    const before = configHashOf(deployment.live);
    if (before && before !== fleet.configHash) {
      events.record({
        regarding: raw,
        type: 'Normal',
        reason: 'RollingOut',
        action: 'Apply',
        note: `collector config changed (${before} -> ${fleet.configHash}): rolling out Deployment ${name}`,
      });
    }
  }

  async function writeStatus(
    key: string,
    raw: PipelineObject,
    outcome: RenderOutcome,
    deployment: KubeObject | undefined,
  ): Promise<ReconcileResult | void> {
    const now = clock.now();
    const next = computeStatus({ previous: raw.status, generation: raw.metadata.generation ?? 0, render: outcome, deployment, now });
    if (!statusChanged(raw.status, next)) return;
    const delay = statusWriteDelay(next, rolloutStarted.get(key), now, settleMs);
    if (delay > 0) return { requeueAfterMs: delay };
    rolloutStarted.delete(key);
    // resourceVersion makes the patch conditional: a status computed from an outdated spec gets 409.
    const updated = await client.request<KubeObject>('PATCH', objectPath(resources.pipeline, raw.metadata.namespace, raw.metadata.name, 'status'), {
      body: { metadata: { resourceVersion: raw.metadata.resourceVersion }, status: next },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'telemetry-pipeline-operator' },
    });
    pipelines.writeThrough(updated);
  }

  // Parsing and rendering are pure functions of the spec (tracked by metadata.generation), the
  // pipeline's identity and the autoscaler's decision: resyncs of an unchanged pipeline reuse them.
  const rendered = new Map<string, { fingerprint: string; result: Rendered }>();
  function renderCached(key: string, raw: PipelineObject): Rendered {
    const fingerprint = `${raw.metadata.uid}|${raw.metadata.generation}|${raw.status?.autoscaling?.desiredReplicas}`;
    const hit = rendered.get(key);
    if (hit?.fingerprint === fingerprint) return hit.result;
    const result = render(raw, deps.image);
    rendered.set(key, { fingerprint, result });
    return result;
  }

  return async function reconcile(key: string): Promise<ReconcileResult | void> {
    const raw = pipelines.store.get(key) as PipelineObject | undefined;
    // Gone or going: owner references let the garbage collector remove the fleet.
    if (!raw || raw.metadata.deletionTimestamp) {
      rendered.delete(key);
      rolloutStarted.delete(key);
      return;
    }
    try {
      const { outcome, fleet } = renderCached(key, raw);
      if (!fleet) {
        // Leave the running fleet exactly as it is; only the status and an event say what is wrong.
        events.record({ regarding: raw, type: 'Warning', reason: outcome.reason, action: 'Render', note: outcome.message });
        const { namespace, name } = raw.metadata;
        return await writeStatus(key, raw, outcome, owned.deployment.store.get(`${namespace}/${fleetName(name)}`));
      }
      await applyFleet(key, raw, fleet);
      const deployment = owned.deployment.store.get(objectKey(fleet.deployment as KubeObject));
      // Until the Deployment controller has seen the current Deployment its status says nothing about this
      // rollout; its status update will trigger the next reconcile, so writing now would only add a write.
      if (!deploymentObserved(deployment)) return;
      return await writeStatus(key, raw, outcome, deployment);
    } catch (err) {
      // A 409 is optimistic concurrency doing its job (someone wrote first): retried, not worth an event.
      if (!isApiError(err, 409)) {
        events.record({ regarding: raw, type: 'Warning', reason: 'ReconcileError', action: 'Reconcile', note: (err as Error).message });
      }
      throw err;
    }
  };
}
