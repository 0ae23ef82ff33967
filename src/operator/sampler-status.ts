// status.sampler: the sampling tier's pods as its Deployment reports them, beside the routing tier's replicas.
import type { TelemetryPipelineStatus } from '../api/telemetry-pipeline.ts';
import type { DeploymentView, OwnedStatus, RenderOutcome } from './status.ts';

/**
 * With a rendered sampling tier, its Deployment's counts (0 until it exists); without one, none. An invalid spec
 * changes nothing that runs, so the last observed figures stay.
 */
export function withSamplerStatus(
  status: OwnedStatus,
  render: RenderOutcome,
  /** Undefined without a sampling tier. */
  sampler: { deployment: DeploymentView | undefined } | undefined,
  previous: TelemetryPipelineStatus | undefined,
): OwnedStatus {
  if (!render.ok) return previous?.sampler ? { ...status, sampler: previous.sampler } : status;
  if (!sampler) return status;
  const s = sampler.deployment?.status;
  return { ...status, sampler: { replicas: s?.replicas ?? 0, readyReplicas: s?.readyReplicas ?? 0 } };
}
