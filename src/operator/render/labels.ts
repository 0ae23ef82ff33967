// Names, labels and owner references of the objects rendered for one TelemetryPipeline.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { API_VERSION, KIND } from '../../api/constants.ts';
import type { TelemetryPipeline } from '../../api/telemetry-pipeline.ts';

export const LABEL_PIPELINE = 'fleet.telemetry.dev/pipeline';
export const ANNOTATION_CONFIG_HASH = 'fleet.telemetry.dev/config-hash';
export const MANAGED_BY = 'telemetry-pipeline-operator';

/** Every owned object of a pipeline has this name. */
export function fleetName(pipelineName: string): string {
  return `${pipelineName}-collector`;
}

/** Immutable Deployment selector: only labels that never change for a pipeline. */
export function selectorLabels(pipelineName: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'otel-collector', [LABEL_PIPELINE]: pipelineName };
}

/** status.selector for the scale subresource, in label-selector string form. */
export function selectorString(pipelineName: string): string {
  return Object.entries(selectorLabels(pipelineName))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/**
 * Labels of owned objects and pods. The pipeline's own labels are deliberately not copied: a label edit on the
 * TelemetryPipeline must not change the pod template (and so must not roll the pods).
 */
export function fleetLabels(pipelineName: string): Record<string, string> {
  return {
    ...selectorLabels(pipelineName),
    'app.kubernetes.io/instance': pipelineName,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/**
 * Metadata of an owned object. The owner reference needs the pipeline's uid, which only the API server assigns;
 * `tpo render` of a file without one prints the objects without it.
 */
export function ownedMetadata(pipeline: TelemetryPipeline): V1ObjectMeta {
  const { name, namespace, uid } = pipeline.metadata;
  return {
    name: fleetName(name),
    ...(namespace ? { namespace } : {}),
    labels: fleetLabels(name),
    ...(uid
      ? { ownerReferences: [{ apiVersion: API_VERSION, kind: KIND, name, uid, controller: true, blockOwnerDeletion: true }] }
      : {}),
  };
}
