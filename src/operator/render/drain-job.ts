// The Job that delivers what a scaled-away replica left in its queue volume: the fleet's image, config and Secrets,
// the replica's claim, and `tpo collector --drain-persistent-queues`, which starts only the exporters and their
// storage, sends everything persisted and exits 0 once the queues are empty (1 when its timeout passes).
import type { V1Job } from '@kubernetes/client-node';
import { QUEUE_DIR } from '../../api/spec-persistence.ts';
import type { TelemetryPipeline } from '../../api/telemetry-pipeline.ts';
import { runsNodeCollector } from './collector-process.ts';
import { CONFIG_PATH } from './defaults.ts';
import { collectorContainer, configVolumes, podSecurityContext, type DeploymentInputs } from './deployment.ts';
import { fleetName, MANAGED_BY, ownedMetadata } from './labels.ts';
import { QUEUE_VOLUME, queueClaimName } from './statefulset.ts';

/** How long one drain attempt may take before it exits 1 and the Job tries again after its backoff. */
export const DRAIN_ATTEMPT_TIMEOUT = '10m';

/**
 * Failed attempts before the Job gives up (the Job controller waits 10 s, 20 s, ... up to 6 min between them); a
 * Job that gave up is deleted and created again by the operator, so a queue is retried until it is delivered.
 */
export const DRAIN_BACKOFF_LIMIT = 10;

/** Labels of drain Jobs and their pods: never the fleet's selector labels, so the Service sends them nothing. */
export const LABEL_DRAIN_ORDINAL = 'fleet.telemetry.dev/drain-ordinal';

export function drainJobName(pipelineName: string, ordinal: number): string {
  return `${fleetName(pipelineName)}-drain-${ordinal}`;
}

function drainLabels(pipelineName: string, ordinal: number): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'otel-collector-drain',
    'app.kubernetes.io/instance': pipelineName,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [LABEL_DRAIN_ORDINAL]: String(ordinal),
  };
}

/** Only this project's collector can drain without serving; undefined for another image (its claim stays, reported). */
export function renderDrainJob(pipeline: TelemetryPipeline, inputs: DeploymentInputs, ordinal: number): V1Job | undefined {
  if (!runsNodeCollector(pipeline.spec)) return undefined;
  const name = pipeline.metadata.name;
  const mount = { name: QUEUE_VOLUME, mountPath: QUEUE_DIR };
  const { args: _args, ports: _ports, lifecycle: _lifecycle, startupProbe: _start, readinessProbe: _ready, livenessProbe: _live, ...container } = collectorContainer(pipeline, inputs, { mount });
  const labels = drainLabels(name, ordinal);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...ownedMetadata(pipeline), name: drainJobName(name, ordinal), labels },
    spec: {
      backoffLimit: DRAIN_BACKOFF_LIMIT,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: fleetName(name),
          automountServiceAccountToken: false,
          securityContext: podSecurityContext(true),
          ...(pipeline.spec.nodeSelector !== undefined && { nodeSelector: pipeline.spec.nodeSelector }),
          ...(pipeline.spec.tolerations !== undefined && { tolerations: pipeline.spec.tolerations }),
          containers: [
            {
              ...container,
              name: 'drain',
              command: ['tpo', 'collector', '--config', CONFIG_PATH, '--drain-persistent-queues', '--drain-timeout', DRAIN_ATTEMPT_TIMEOUT],
            },
          ],
          volumes: [...configVolumes(pipeline), { name: QUEUE_VOLUME, persistentVolumeClaim: { claimName: queueClaimName(name, ordinal) } }],
        },
      },
    },
  };
}
