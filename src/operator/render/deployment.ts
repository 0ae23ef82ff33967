import type { V1Container, V1Deployment, V1PodSpec, V1PodTemplateSpec, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { TelemetryPipeline } from '../../api/telemetry-pipeline.ts';
import { collectorCommandLine, nodeOnlyEnv } from './collector-process.ts';
import {
  COLLECTOR_UID,
  CONFIG_DIR,
  HEALTH_PORT,
  METRICS_PORT,
  OTLP_GRPC_PORT,
  OTLP_HTTP_PORT,
  PRE_STOP_DELAY_SECONDS,
  TERMINATION_GRACE_PERIOD_SECONDS,
} from './defaults.ts';
import { secretHeaderEnv } from './exporters.ts';
import { ANNOTATION_CONFIG_HASH, fleetLabels, fleetName, ownedMetadata, selectorLabels } from './labels.ts';
import type { MemorySizing } from './memory.ts';
import { secretVolumes } from './secrets.ts';

export interface DeploymentInputs {
  image: string;
  replicas: number;
  configHash: string;
  memory: MemorySizing;
}

const healthCheck = { httpGet: { path: '/', port: 'health' } };

/**
 * The collector's probes, all on its health_check endpoint. A collector with a small CPU limit is throttled: on the
 * real node a Node collector limited to 50m took about 20 s to start listening and, under load, answered a probe in
 * more than the kubelet's default second. With those defaults and no startup probe, on a busy node a starting
 * collector failed liveness six times in its first 35 s (six in a row restart it), and under load readiness took
 * replicas out of the Service (the autoscaler then saw 0 spans/s and scaled down with the load running). So:
 * - startup: up to 5 min to start, probed every 2 s (each failure is an Event); the other probes wait for it;
 * - readiness: 5 s to answer, out of the Service after 15 s without an answer;
 * - liveness: 5 s to answer, restarted after a minute without one.
 */
export const COLLECTOR_PROBES: Pick<V1Container, 'startupProbe' | 'readinessProbe' | 'livenessProbe'> = {
  startupProbe: { ...healthCheck, periodSeconds: 2, timeoutSeconds: 5, failureThreshold: 150 },
  readinessProbe: { ...healthCheck, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
  livenessProbe: { ...healthCheck, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
};

/** The persistent queues' volume (spec.persistence): mounted in the collector; an emptyDir is also a pod volume. */
export interface QueueVolume {
  mount: V1VolumeMount;
  volume?: V1Volume;
}

export function collectorContainer(pipeline: TelemetryPipeline, inputs: DeploymentInputs, queue?: QueueVolume): V1Container {
  const { spec } = pipeline;
  const { grpc, http } = spec.receivers.otlp;
  return {
    name: 'collector',
    image: inputs.image,
    ...collectorCommandLine(spec),
    env: [
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ...nodeOnlyEnv(spec, inputs.memory),
      ...secretHeaderEnv(spec.exporters),
    ],
    ports: [
      ...(grpc.enabled ? [{ name: 'otlp-grpc', containerPort: OTLP_GRPC_PORT, protocol: 'TCP' }] : []),
      ...(http.enabled ? [{ name: 'otlp-http', containerPort: OTLP_HTTP_PORT, protocol: 'TCP' }] : []),
      { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
      { name: 'health', containerPort: HEALTH_PORT, protocol: 'TCP' },
    ],
    lifecycle: { preStop: { sleep: { seconds: PRE_STOP_DELAY_SECONDS } } },
    ...COLLECTOR_PROBES,
    resources: {
      requests: { cpu: String(spec.resources.requests.cpu), memory: String(spec.resources.requests.memory) },
      limits: { cpu: String(spec.resources.limits.cpu), memory: String(spec.resources.limits.memory) },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }, ...secretVolumes(spec).mounts, ...(queue ? [queue.mount] : [])],
  };
}

/** The volumes every collector pod has: its config and the Secrets the spec names. */
export function configVolumes(pipeline: TelemetryPipeline): V1Volume[] {
  return [{ name: 'config', configMap: { name: fleetName(pipeline.metadata.name) } }, ...secretVolumes(pipeline.spec).volumes];
}

/**
 * The pod security context. A queue volume gets the collector's group (fsGroup): a fresh PersistentVolume is owned
 * by root, and the non-root collector must create its queue files there.
 */
export function podSecurityContext(withQueue: boolean): V1PodSpec['securityContext'] {
  return {
    runAsNonRoot: true,
    runAsUser: COLLECTOR_UID,
    runAsGroup: COLLECTOR_UID,
    ...(withQueue && { fsGroup: COLLECTOR_UID }),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The collector pod template, shared by the Deployment and the StatefulSet (spec.persistence). */
export function collectorPodTemplate(pipeline: TelemetryPipeline, inputs: DeploymentInputs, queue?: QueueVolume): V1PodTemplateSpec {
  const name = pipeline.metadata.name;
  return {
    metadata: { labels: fleetLabels(name), annotations: { [ANNOTATION_CONFIG_HASH]: inputs.configHash } },
    spec: {
      serviceAccountName: fleetName(name),
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: TERMINATION_GRACE_PERIOD_SECONDS,
      securityContext: podSecurityContext(queue !== undefined),
      ...placement(pipeline.spec),
      containers: [collectorContainer(pipeline, inputs, queue)],
      volumes: [...configVolumes(pipeline), ...(queue?.volume ? [queue.volume] : [])],
    },
  };
}

/** Where the scheduler may put the pods: the user's nodeSelector and tolerations, passed through as given. */
function placement({ nodeSelector, tolerations }: TelemetryPipeline['spec']): Pick<V1PodSpec, 'nodeSelector' | 'tolerations'> {
  return { ...(nodeSelector !== undefined && { nodeSelector }), ...(tolerations !== undefined && { tolerations }) };
}

/**
 * The collector fleet. Rolling updates keep every replica serving (maxUnavailable 0): the autoscaler sized the
 * fleet for its load, so one replica fewer would push the rest past capacity into refusals. maxSurge 25 % (at
 * least one pod) rolls a 30-replica fleet in about four waves instead of thirty one-pod steps, each of which
 * waits for readiness and for the old pod's drain.
 */
export function renderDeployment(pipeline: TelemetryPipeline, inputs: DeploymentInputs): V1Deployment {
  const name = pipeline.metadata.name;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: ownedMetadata(pipeline),
    spec: {
      replicas: inputs.replicas,
      selector: { matchLabels: selectorLabels(name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: collectorPodTemplate(pipeline, inputs),
    },
  };
}
