// The informer caches of the operator: TelemetryPipelines (with their parsed views), the owned
// objects and the fleets' pods. They run on every replica, so a new leader starts with warm caches;
// their events only put keys in the work queue (triggers, never input).
import type { Logger } from 'pino';
import { API_VERSION, KIND } from '../api/constants.ts';
import type { KubeClient } from './kube/client.ts';
import { Informer } from './kube/informer.ts';
import { listerWatcher } from './kube/list-watch.ts';
import { resources } from './kube/resources.ts';
import { objectKey, type KubeObject } from './kube/types.ts';
import type { WorkQueue } from './kube/work-queue.ts';
import type { OperatorOptions } from './options.ts';
import { PipelineViews } from './pipelines.ts';
import { OWNED_KINDS, type OwnedKind } from './reconcile.ts';
import { LABEL_PIPELINE, MANAGED_BY } from './render/index.ts';
import { workloadReady, type DeploymentView } from './status.ts';

/**
 * The key of the TelemetryPipeline controlling `obj`, if any. A queue claim is the StatefulSet's (its retention
 * policy owns it), so its pipeline label names the pipeline.
 */
function ownerKey(obj: KubeObject): string | undefined {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller && r.kind === KIND && r.apiVersion === API_VERSION);
  const pipeline = ref?.name ?? (obj.kind === 'PersistentVolumeClaim' ? obj.metadata.labels?.[LABEL_PIPELINE] : undefined);
  return pipeline && obj.metadata.namespace ? `${obj.metadata.namespace}/${pipeline}` : undefined;
}

export interface Caches {
  pipelines: PipelineViews;
  owned: Record<OwnedKind, Informer<KubeObject>>;
  pods: Informer<KubeObject>;
  all: Informer<KubeObject>[];
}

export function startCaches(client: KubeClient, opts: OperatorOptions, log: Logger, queue: WorkQueue): Caches {
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
  // A workload whose rollout just completed finishes its pipeline (one status write away from Ready): its key goes
  // before keys waiting for their first pass (see WorkQueue). Only then: a status saying "rolling out" is better
  // left waiting, so that a quick rollout still costs one status write.
  const enqueueOwnerOfWorkload = (obj: KubeObject) => {
    const key = ownerKey(obj);
    if (key) queue.add(key, workloadReady(obj as DeploymentView, (obj.spec as { replicas?: number } | undefined)?.replicas ?? 1));
  };
  for (const [kind, inf] of Object.entries(owned)) {
    const update = kind === 'deployment' || kind === 'statefulSet' ? enqueueOwnerOfWorkload : enqueueOwner;
    inf.on({ add: enqueueOwner, update, delete: enqueueOwner });
  }

  const all = [pipelineInformer, ...Object.values(owned), pods];
  for (const inf of all) inf.start();
  return { pipelines: new PipelineViews(pipelineInformer), owned, pods, all };
}
