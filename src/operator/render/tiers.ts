// One TelemetryPipeline -> its fleet, and with spec.processors.tailSampling its sampling tier too. The fleet is
// rendered as always (fleet.ts); tail sampling then changes only the routing tier's config (and so its hash) and
// gives its pods an API token for the resolver: a pipeline without it renders exactly as before.
import type { TelemetryPipeline } from '../../api/telemetry-pipeline.ts';
import { renderConfigMap } from './configmap.ts';
import { fleetObjects, renderFleet, type RenderedFleet, type RenderOptions } from './fleet.ts';
import { configHash, stableYaml } from './hash.ts';
import { ANNOTATION_CONFIG_HASH } from './labels.ts';
import { memorySizing } from './memory.ts';
import { renderSamplerTier, routingCollectorConfig, samplerObjects, withApiToken, type SamplerTier, type Workload } from './sampler-tier.ts';

export interface TieredFleet extends RenderedFleet {
  /** With spec.processors.tailSampling: the sampling tier the fleet routes traces to. */
  sampler?: SamplerTier;
}

/** The routing workload: its pods roll when the routing config changes, and mount the API token. */
function routingWorkload<W extends Workload>(workload: W, hash: string): W {
  const template = workload.spec!.template;
  const metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [ANNOTATION_CONFIG_HASH]: hash } };
  return withApiToken({ ...workload, spec: { ...workload.spec!, template: { ...template, metadata } } });
}

export function renderTieredFleet(pipeline: TelemetryPipeline, opts: RenderOptions): TieredFleet {
  const fleet = renderFleet(pipeline, opts);
  if (!pipeline.spec.processors.tailSampling) return fleet;
  const collectorConfig = routingCollectorConfig(fleet.collectorConfig, pipeline);
  const configText = stableYaml(collectorConfig);
  const hash = configHash(configText);
  return {
    ...fleet,
    collectorConfig,
    configHash: hash,
    configMap: renderConfigMap(pipeline, configText),
    deployment: routingWorkload(fleet.deployment, hash),
    ...(fleet.statefulSet && { statefulSet: routingWorkload(fleet.statefulSet, hash) }),
    sampler: renderSamplerTier(pipeline, pipeline.spec.image ?? opts.image, memorySizing(pipeline.spec)),
  };
}

/** Every object of both tiers in the order to apply them. */
export function tieredObjects(fleet: TieredFleet): object[] {
  return fleet.sampler ? [...fleetObjects(fleet), ...samplerObjects(fleet.sampler)] : fleetObjects(fleet);
}
