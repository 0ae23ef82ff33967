import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { TelemetryPipeline } from '../../api/telemetry-pipeline.ts';
import { ownedMetadata, selectorLabels } from './labels.ts';

/** Voluntary disruptions (node drains) take one collector at a time, so the fleet keeps its capacity minus one. */
export function renderPodDisruptionBudget(pipeline: TelemetryPipeline): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: ownedMetadata(pipeline),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(pipeline.metadata.name) } },
  };
}
