import type { V1ServiceAccount } from '@kubernetes/client-node';
import type { TelemetryPipeline } from '../../api/telemetry-pipeline.ts';
import { ownedMetadata } from './labels.ts';

/** An identity of the fleet's own; collectors never call the Kubernetes API, so no token is mounted. */
export function renderServiceAccount(pipeline: TelemetryPipeline): V1ServiceAccount {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: ownedMetadata(pipeline), automountServiceAccountToken: false };
}
