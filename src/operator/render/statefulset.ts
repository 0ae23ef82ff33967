// The fleet as a StatefulSet, when spec.persistence keeps the sending queues on disk: each replica keeps its own
// volume (and so its queue) across restarts and rescheduling, under a stable ordinal the drain logic can name.
import type { V1PersistentVolumeClaim, V1StatefulSet } from '@kubernetes/client-node';
import { QUEUE_DIR, type Persistence } from '../../api/spec-persistence.ts';
import type { TelemetryPipeline } from '../../api/telemetry-pipeline.ts';
import { collectorPodTemplate, type DeploymentInputs, type QueueVolume } from './deployment.ts';
import { fleetLabels, fleetName, ownedMetadata, selectorLabels } from './labels.ts';

/** The volumeClaimTemplate's name: a replica's claim is `queue-<pipeline>-collector-<ordinal>`. */
export const QUEUE_VOLUME = 'queue';

export function queueClaimName(pipelineName: string, ordinal: number): string {
  return `${QUEUE_VOLUME}-${fleetName(pipelineName)}-${ordinal}`;
}

/** The ordinal of one of this pipeline's queue claims, or undefined for any other name. */
export function queueClaimOrdinal(pipelineName: string, claimName: string): number | undefined {
  const prefix = `${QUEUE_VOLUME}-${fleetName(pipelineName)}-`;
  if (!claimName.startsWith(prefix)) return undefined;
  const rest = claimName.slice(prefix.length);
  return /^(0|[1-9][0-9]{0,9})$/.test(rest) ? Number(rest) : undefined;
}

export function queueVolume(persistence: Persistence): QueueVolume {
  const mount = { name: QUEUE_VOLUME, mountPath: QUEUE_DIR };
  if (persistence.volumeClaim) return { mount };
  const sizeLimit = persistence.emptyDir?.sizeLimit;
  return { mount, volume: { name: QUEUE_VOLUME, emptyDir: sizeLimit === undefined ? {} : { sizeLimit: String(sizeLimit) } } };
}

function claimTemplate(pipeline: TelemetryPipeline, claim: NonNullable<Persistence['volumeClaim']>): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    // The fleet's labels carry over to every claim, so the operator's informers (managed-by) see them.
    metadata: { name: QUEUE_VOLUME, labels: fleetLabels(pipeline.metadata.name) },
    spec: {
      accessModes: claim.accessModes,
      ...(claim.storageClassName !== undefined && { storageClassName: claim.storageClassName }),
      resources: { requests: { storage: String(claim.size) } },
    },
  };
}

/**
 * Same pod template, labels, config hash, drain and preStop as the Deployment; what differs and why:
 * - podManagementPolicy Parallel: replicas start and stop together, as a Deployment's do; OrderedReady would make a
 *   scale-up from 3 to 30 wait for 27 readiness checks in a row, and a replica's queue does not depend on another's.
 * - serviceName: the fleet's Service (a StatefulSet must name one; collectors need no per-pod DNS name).
 * - persistentVolumeClaimRetentionPolicy whenScaled Retain: a replica scaled away may leave data in its queue (the
 *   backend was down past its grace period); its claim stays, and the operator drains it with a Job, then deletes
 *   it (drain.ts). whenDeleted Delete: deleting the pipeline deletes its fleet, queues included, as a user deleting
 *   it means; retained claims would hold storage for ever with no pipeline left to deliver them.
 * - updates roll one pod at a time (a StatefulSet cannot surge): each replaced pod drains and keeps its volume.
 */
export function renderStatefulSet(pipeline: TelemetryPipeline, inputs: DeploymentInputs, persistence: Persistence): V1StatefulSet {
  const name = pipeline.metadata.name;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: ownedMetadata(pipeline),
    spec: {
      replicas: inputs.replicas,
      selector: { matchLabels: selectorLabels(name) },
      serviceName: fleetName(name),
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      persistentVolumeClaimRetentionPolicy: { whenScaled: 'Retain', whenDeleted: 'Delete' },
      template: collectorPodTemplate(pipeline, inputs, queueVolume(persistence)),
      ...(persistence.volumeClaim && { volumeClaimTemplates: [claimTemplate(pipeline, persistence.volumeClaim)] }),
    },
  };
}
