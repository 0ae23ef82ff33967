// The replica count the reconcile writes into the Deployment. The reconcile is the only writer of
// Deployment replicas: the autoscaler only records its decision in status.autoscaling.
import type { TelemetryPipelineSpec, TelemetryPipelineStatus } from '../api/telemetry-pipeline.ts';

type ReplicaSpec = Pick<TelemetryPipelineSpec, 'replicas'> & {
  scaling: Pick<TelemetryPipelineSpec['scaling'], 'enabled' | 'minReplicas' | 'maxReplicas'>;
};

export function desiredReplicas(spec: ReplicaSpec, status: Pick<TelemetryPipelineStatus, 'autoscaling'> | undefined): number {
  if (!spec.scaling.enabled) return spec.replicas;
  const { minReplicas, maxReplicas } = spec.scaling;
  const decided = status?.autoscaling?.desiredReplicas;
  // Clamp so that a bounds change in the spec applies at once, before the autoscaler runs again.
  return Math.min(maxReplicas, Math.max(minReplicas, decided ?? minReplicas));
}
