// A pipeline with spec.processors.tailSampling runs as two fleets. The routing tier (the pipeline's own fleet,
// <name>-collector) receives as usual and sends each trace, by trace id, through the `loadbalancing` exporter to one
// pod of the sampling tier (<name>-sampler), which holds the trace for decisionWait, applies the policies
// (tail_sampling) and exports what it keeps. The routing tier's resolver watches the sampler's headless Service's
// EndpointSlices, so its pods get an API token and a Role to list and watch them. Pure: pipeline -> objects.
import type { V1ConfigMap, V1Deployment, V1ObjectMeta, V1PodTemplateSpec, V1PodDisruptionBudget, V1Role, V1RoleBinding, V1Service, V1ServiceAccount } from '@kubernetes/client-node';
import type { TelemetryPipeline, TelemetryPipelineSpec } from '../../api/telemetry-pipeline.ts';
import { renderCollectorConfig, type CollectorConfig } from './collector-config.ts';
import { renderConfigMap } from './configmap.ts';
import { COLLECTOR_DRAIN_TIMEOUT_SECONDS, OTLP_GRPC_PORT } from './defaults.ts';
import { durationMs } from '../../api/schema-kit.ts';
import { renderDeployment } from './deployment.ts';
import { fleetReplicas } from './fleet.ts';
import { configHash, stableYaml } from './hash.ts';
import { fleetName, MANAGED_BY, ownedMetadata } from './labels.ts';
import type { MemorySizing } from './memory.ts';
import { renderPodDisruptionBudget } from './pdb.ts';
import { renderServiceAccount } from './service-account.ts';
import { tailSamplingConfig } from './tail-sampling.ts';

/** The sampler pods' label naming their pipeline. Not LABEL_PIPELINE: the autoscaler reads that one as "routing tier pod". */
export const LABEL_SAMPLER_OF = 'fleet.telemetry.dev/sampler-of';
const SAMPLER_APP = 'otel-collector-sampler';
export const LOADBALANCING_EXPORTER = 'loadbalancing';

/** Every object of the sampling tier has this name; a pipeline's own objects end in -collector, so none collides. */
export function samplerName(pipelineName: string): string {
  return `${pipelineName}-sampler`;
}

export function samplerSelectorLabels(pipelineName: string): Record<string, string> {
  return { 'app.kubernetes.io/name': SAMPLER_APP, [LABEL_SAMPLER_OF]: pipelineName };
}

function samplerLabels(pipelineName: string): Record<string, string> {
  return { ...samplerSelectorLabels(pipelineName), 'app.kubernetes.io/instance': pipelineName, 'app.kubernetes.io/managed-by': MANAGED_BY };
}

/** The owned metadata of the pipeline (namespace, owner reference) under the sampler's name and labels. */
function samplerMetadata(pipeline: TelemetryPipeline): V1ObjectMeta {
  const name = pipeline.metadata.name;
  return { ...ownedMetadata(pipeline), name: samplerName(name), labels: samplerLabels(name) };
}

/**
 * The spec the sampler collectors run: traces only, received on OTLP/gRPC from the routing tier inside the cluster
 * (no TLS, no token: the applications' TLS and auth end at the routing tier), no connection age limit (each routing
 * pod keeps one connection per sampler, chosen by the ring, not by a load balancer).
 */
function samplerSpec(spec: TelemetryPipelineSpec): TelemetryPipelineSpec {
  const { tailSampling: _routedAway, ...processors } = spec.processors;
  // Queues on disk (spec.persistence) are the routing tier's: a sampler's state is traces in memory.
  const { persistence: _routingTierOnly, ...rest } = spec;
  return {
    ...rest,
    signals: ['traces'],
    receivers: { otlp: { grpc: { enabled: true, maxConnectionAge: '0s' }, http: { enabled: false } } },
    processors,
  };
}

/** Upstream's order with tail_sampling where the sampler would be: after the filters that drop data, before batch. */
export function samplerCollectorConfig(spec: TelemetryPipelineSpec, memory: MemorySizing): CollectorConfig {
  const config = renderCollectorConfig(samplerSpec(spec), memory);
  const traces = config.service.pipelines.traces!;
  const batchAt = traces.processors.indexOf('batch');
  traces.processors.splice(batchAt, 0, 'tail_sampling');
  config.processors.tail_sampling = tailSamplingConfig(spec.processors.tailSampling!);
  return config;
}

/**
 * The routing tier's config: the usual one with the traces pipeline sent, after memory_limiter only, to the
 * loadbalancing exporter (batching and the user's trace processors run on the samplers, where traces are whole).
 * Metrics and logs pipelines are untouched. Processors and exporters no pipeline uses are left out.
 */
export function routingCollectorConfig(config: CollectorConfig, pipeline: TelemetryPipeline): CollectorConfig {
  const { name, namespace } = pipeline.metadata;
  const service = namespace ? `${samplerName(name)}.${namespace}` : samplerName(name);
  const pipelines = { ...config.service.pipelines, traces: { receivers: ['otlp'], processors: ['memory_limiter'], exporters: [LOADBALANCING_EXPORTER] } };
  const used = (section: 'processors' | 'exporters') => new Set(Object.values(pipelines).flatMap((p) => p[section]));
  const processors = Object.fromEntries(Object.entries(config.processors).filter(([id]) => used('processors').has(id)));
  const exporters = Object.fromEntries(Object.entries(config.exporters).filter(([id]) => used('exporters').has(id)));
  exporters[LOADBALANCING_EXPORTER] = {
    routing_key: 'traceID',
    protocol: { otlp: { tls: { insecure: true } } },
    resolver: { k8s: { service, ports: [OTLP_GRPC_PORT] } },
  };
  return { ...config, processors, exporters, service: { ...config.service, pipelines } };
}

/** A Deployment or StatefulSet: what the routing tier's pods are run by. */
export type Workload = { spec?: { template: V1PodTemplateSpec } };

/** The routing pods read EndpointSlices with their ServiceAccount's token. */
export function withApiToken<W extends Workload>(workload: W): W {
  const template = workload.spec!.template;
  return { ...workload, spec: { ...workload.spec!, template: { ...template, spec: { ...template.spec!, automountServiceAccountToken: true } } } };
}

/** The headless Service: one DNS record and one EndpointSlice entry per sampler pod, which the resolver reads. */
function renderSamplerService(pipeline: TelemetryPipeline): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: samplerMetadata(pipeline),
    spec: {
      clusterIP: 'None',
      selector: samplerSelectorLabels(pipeline.metadata.name),
      ports: [{ name: 'otlp-grpc', port: OTLP_GRPC_PORT, targetPort: 'otlp-grpc', protocol: 'TCP', appProtocol: 'grpc' }],
      // A starting sampler is only routed to once ready; a terminating one leaves the ring before its drain.
      publishNotReadyAddresses: false,
    },
  };
}

/**
 * How long a terminating sampler keeps receiving: the routing tier keeps sending a trace's later spans to the sampler
 * that got its first ones while that pod is terminating (the resolver still lists it, as serving), so it waits out
 * one decisionWait and 10 s of transit before SIGTERM makes tail_sampling decide what it still holds.
 */
export function samplerPreStopSeconds(decisionWait: string): number {
  return Math.ceil(durationMs(decisionWait) / 1000) + 10;
}

/** The fleet's Deployment rendered for the sampler spec, under the sampler's names and labels. */
function samplerDeployment(pipeline: TelemetryPipeline, inputs: Parameters<typeof renderDeployment>[1], decisionWait: string): V1Deployment {
  const name = pipeline.metadata.name;
  const base = renderDeployment(pipeline, inputs);
  const template = base.spec!.template;
  const preStop = samplerPreStopSeconds(decisionWait);
  const podSpec = template.spec!;
  const containers = podSpec.containers.map((c) => ({ ...c, lifecycle: { preStop: { sleep: { seconds: preStop } } } }));
  return {
    ...base,
    metadata: samplerMetadata(pipeline),
    spec: {
      ...base.spec!,
      selector: { matchLabels: samplerSelectorLabels(name) },
      template: {
        ...template,
        metadata: { ...template.metadata, labels: samplerLabels(name) },
        spec: {
          ...podSpec,
          serviceAccountName: samplerName(name),
          terminationGracePeriodSeconds: preStop + COLLECTOR_DRAIN_TIMEOUT_SECONDS + 15,
          containers,
          volumes: podSpec.volumes!.map((v) => (v.name === 'config' ? { name: 'config', configMap: { name: samplerName(name) } } : v)),
        },
      },
    },
  };
}

/**
 * The sampler Deployment's replicas: tailSampling.sampler.replicas, which the autoscaler writes while spec.scaling is
 * enabled, clamped to the sampler's bounds then, as the routing tier's count is to its own (fleetReplicas).
 */
export function samplerReplicas(spec: TelemetryPipelineSpec): number {
  const { replicas, minReplicas, maxReplicas } = spec.processors.tailSampling!.sampler;
  return fleetReplicas({ replicas, scaling: { enabled: spec.scaling.enabled, minReplicas, maxReplicas } });
}

export interface SamplerTier {
  serviceAccount: V1ServiceAccount;
  configMap: V1ConfigMap;
  service: V1Service;
  deployment: V1Deployment;
  podDisruptionBudget: V1PodDisruptionBudget;
  /** The routing tier's permission to read the sampler Service's EndpointSlices. */
  role: V1Role;
  roleBinding: V1RoleBinding;
  configHash: string;
  collectorConfig: CollectorConfig;
}

export function renderSamplerTier(pipeline: TelemetryPipeline, image: string, memory: MemorySizing): SamplerTier {
  const tailSampling = pipeline.spec.processors.tailSampling!;
  const sampler: TelemetryPipeline = { ...pipeline, spec: samplerSpec(pipeline.spec) };
  const collectorConfig = samplerCollectorConfig(pipeline.spec, memory);
  const configText = stableYaml(collectorConfig);
  const hash = configHash(configText);
  const metadata = samplerMetadata(pipeline);
  const deployment = samplerDeployment(sampler, { image, replicas: samplerReplicas(pipeline.spec), configHash: hash, memory }, tailSampling.decisionWait);
  const pdb = renderPodDisruptionBudget(pipeline);
  return {
    serviceAccount: { ...renderServiceAccount(pipeline), metadata },
    configMap: { ...renderConfigMap(pipeline, configText), metadata },
    service: renderSamplerService(pipeline),
    deployment,
    podDisruptionBudget: { ...pdb, metadata, spec: { ...pdb.spec, selector: { matchLabels: samplerSelectorLabels(pipeline.metadata.name) } } },
    ...routingRbac(pipeline),
    configHash: hash,
    collectorConfig,
  };
}

/** Role and RoleBinding of the routing tier's ServiceAccount: list and watch EndpointSlices, in its namespace only. */
function routingRbac(pipeline: TelemetryPipeline): { role: V1Role; roleBinding: V1RoleBinding } {
  const metadata = ownedMetadata(pipeline);
  const name = fleetName(pipeline.metadata.name);
  return {
    role: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata,
      rules: [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] }],
    },
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, ...(pipeline.metadata.namespace ? { namespace: pipeline.metadata.namespace } : {}) }],
    },
  };
}

/** The sampling tier's objects in the order to apply them (the pods' ServiceAccount and ConfigMap before the Deployment). */
export function samplerObjects(tier: SamplerTier): object[] {
  return [tier.serviceAccount, tier.configMap, tier.service, tier.deployment, tier.podDisruptionBudget, tier.role, tier.roleBinding];
}
