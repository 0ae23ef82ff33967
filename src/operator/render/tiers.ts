// One TelemetryPipeline -> its fleet, and with spec.processors.tailSampling its sampling tier too. The fleet is
// rendered as always (fleet.ts); tail sampling then changes only the routing tier's config (and so its hash) and
// gives its pods an API token for the resolver: a pipeline without it renders exactly as before.
import type { V1Deployment } from '@kubernetes/client-node';
import type { TelemetryPipeline } from '../../api/telemetry-pipeline.ts';
import { renderConfigMap } from './configmap.ts';
import { fleetObjects, renderFleet, type RenderedFleet, type RenderOptions } from './fleet.ts';
import { configHash, stableYaml } from './hash.ts';
import { ANNOTATION_CONFIG_HASH } from './labels.ts';
import { memorySizing } from './memory.ts';
import { renderSamplerTier, routingCollectorConfig, samplerObjects, withApiToken, type SamplerTier } from './sampler-tier.ts';

export interface TieredFleet extends RenderedFleet {
  /** With spec.processors.tailSampling: the sampling tier the fleet routes traces to. */
  sampler?: SamplerTier;
}

function withConfigHash(deployment: V1Deployment, hash: string): V1Deployment {
  const template = deployment.spec!.template;
  const metadata = { ...template.metadata, annotations: { ...template.metadata?.annotations, [ANNOTATION_CONFIG_HASH]: hash } };
  return { ...deployment, spec: { ...deployment.spec!, template: { ...template, metadata } } };
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
    deployment: withApiToken(withConfigHash(fleet.deployment, hash)),
    sampler: renderSamplerTier(pipeline, pipeline.spec.image ?? opts.image, memorySizing(pipeline.spec)),
  };
}

/** Every object of both tiers in the order to apply them. */
export function tieredObjects(fleet: TieredFleet): object[] {
  return fleet.sampler ? [...fleetObjects(fleet), ...samplerObjects(fleet.sampler)] : fleetObjects(fleet);
}
