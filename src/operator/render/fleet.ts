// One TelemetryPipeline -> every object of its collector fleet. Pure: same input, same objects, same hash.
import type { V1ConfigMap, V1Deployment, V1Job, V1PodDisruptionBudget, V1Service, V1ServiceAccount, V1StatefulSet } from '@kubernetes/client-node';
import type { TelemetryPipeline, TelemetryPipelineSpec } from '../../api/telemetry-pipeline.ts';
import { renderCollectorConfig, type CollectorConfig } from './collector-config.ts';
import { renderConfigMap } from './configmap.ts';
import { renderDeployment, type DeploymentInputs } from './deployment.ts';
import { renderDrainJob } from './drain-job.ts';
import { configHash, stableYaml } from './hash.ts';
import { memorySizing } from './memory.ts';
import { renderPodDisruptionBudget } from './pdb.ts';
import { renderServiceAccount } from './service-account.ts';
import { renderService } from './service.ts';
import { renderStatefulSet } from './statefulset.ts';

export interface RenderOptions {
  /** Image used when spec.image is not set (the operator's --collector-image). */
  image: string;
  /** Deployment replicas instead of the spec's (`tpo render --replicas`); the operator never sets it. */
  replicas?: number;
}

export interface RenderedFleet {
  serviceAccount: V1ServiceAccount;
  configMap: V1ConfigMap;
  service: V1Service;
  /** The fleet's workload without spec.persistence (with it, the same pods as `statefulSet`, which is what runs). */
  deployment: V1Deployment;
  /** With spec.persistence: the fleet's workload, in place of the Deployment. */
  statefulSet?: V1StatefulSet;
  /** The Job draining the queue volume of the replica with this ordinal; undefined when the image cannot drain. */
  drainJob?: (ordinal: number) => V1Job | undefined;
  podDisruptionBudget: V1PodDisruptionBudget;
  configHash: string;
  collectorConfig: CollectorConfig;
}

/** Total over valid pipelines: every check lives in the schema, so whatever the API server admits renders. */
export function renderFleet(pipeline: TelemetryPipeline, opts: RenderOptions): RenderedFleet {
  const memory = memorySizing(pipeline.spec);
  const collectorConfig = renderCollectorConfig(pipeline.spec, memory);
  const configText = stableYaml(collectorConfig);
  const hash = configHash(configText);
  const inputs: DeploymentInputs = {
    image: pipeline.spec.image ?? opts.image,
    replicas: opts.replicas ?? fleetReplicas(pipeline.spec),
    configHash: hash,
    memory,
  };
  const { persistence } = pipeline.spec;
  return {
    serviceAccount: renderServiceAccount(pipeline),
    configMap: renderConfigMap(pipeline, configText),
    service: renderService(pipeline),
    deployment: renderDeployment(pipeline, inputs),
    ...(persistence && { statefulSet: renderStatefulSet(pipeline, inputs, persistence) }),
    ...(persistence?.volumeClaim && { drainJob: (ordinal: number) => renderDrainJob(pipeline, inputs, ordinal) }),
    podDisruptionBudget: renderPodDisruptionBudget(pipeline),
    configHash: hash,
    collectorConfig,
  };
}

/** The workload that runs the fleet: the StatefulSet with spec.persistence, else the Deployment. */
export function fleetWorkload(fleet: RenderedFleet): V1Deployment | V1StatefulSet {
  return fleet.statefulSet ?? fleet.deployment;
}

/** The owned objects in the order to apply them (the pod's ServiceAccount and ConfigMap before the workload). */
export function fleetObjects(fleet: RenderedFleet): object[] {
  return [fleet.serviceAccount, fleet.configMap, fleet.service, fleetWorkload(fleet), fleet.podDisruptionBudget];
}

type ReplicaSpec = Pick<TelemetryPipelineSpec, 'replicas'> & {
  scaling: Pick<TelemetryPipelineSpec['scaling'], 'enabled' | 'minReplicas' | 'maxReplicas'>;
};

/**
 * The Deployment's replicas: spec.replicas, the one replica count, written through the scale subresource by the
 * autoscaler (scaling.enabled) or by kubectl scale, an HPA or KEDA (otherwise). While autoscaled it is clamped to
 * [minReplicas, maxReplicas], so a bounds change applies at once and a manual scale outside them never runs.
 */
export function fleetReplicas(spec: ReplicaSpec): number {
  if (!spec.scaling.enabled) return spec.replicas;
  const { minReplicas, maxReplicas } = spec.scaling;
  return Math.min(maxReplicas, Math.max(minReplicas, spec.replicas));
}
