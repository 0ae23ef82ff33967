// One TelemetryPipeline -> every object of its collector fleet. Pure: same input, same objects, same hash.
import type { V1ConfigMap, V1Deployment, V1PodDisruptionBudget, V1Service, V1ServiceAccount } from '@kubernetes/client-node';
import type { TelemetryPipeline, TelemetryPipelineSpec } from '../../api/telemetry-pipeline.ts';
import { renderCollectorConfig, type CollectorConfig } from './collector-config.ts';
import { renderConfigMap } from './configmap.ts';
import { renderDeployment } from './deployment.ts';
import { configHash, stableYaml } from './hash.ts';
import { memorySizing } from './memory.ts';
import { renderPodDisruptionBudget } from './pdb.ts';
import { renderServiceAccount } from './service-account.ts';
import { renderService } from './service.ts';

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
  deployment: V1Deployment;
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
  return {
    serviceAccount: renderServiceAccount(pipeline),
    configMap: renderConfigMap(pipeline, configText),
    service: renderService(pipeline),
    deployment: renderDeployment(pipeline, {
      image: pipeline.spec.image ?? opts.image,
      replicas: opts.replicas ?? fleetReplicas(pipeline.spec),
      configHash: hash,
      memory,
    }),
    podDisruptionBudget: renderPodDisruptionBudget(pipeline),
    configHash: hash,
    collectorConfig,
  };
}

/** The owned objects in the order to apply them (the pod's ServiceAccount and ConfigMap before the Deployment). */
export function fleetObjects(fleet: RenderedFleet): object[] {
  return [fleet.serviceAccount, fleet.configMap, fleet.service, fleet.deployment, fleet.podDisruptionBudget];
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
