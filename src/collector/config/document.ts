// The collector's config file as it is written (before defaults and validation): each component's section typed as
// its schema's input. The operator's renderer builds this type, so a rendered config is checked against what the
// collector reads by the compiler, and at run time by the same validation (`tpo collector validate`).
import type { z } from 'zod';
import type { debugConfigSchema } from '../exporters/debug.ts';
import type { otlpGrpcConfigSchema } from '../exporters/otlp-grpc.ts';
import type { otlpHttpConfigSchema } from '../exporters/otlp-http.ts';
import type { basicAuthConfigSchema } from '../extensions/basicauth.ts';
import type { loadBalancingConfigSchema } from '../exporters/loadbalancing/config.ts';
import type { bearerTokenAuthConfigSchema } from '../extensions/bearertokenauth.ts';
import type { healthCheckConfigSchema } from '../extensions/health-check.ts';
import type { attributesConfigSchema } from '../processors/attributes.ts';
import type { batchConfigSchema } from '../processors/batch.ts';
import type { filterConfigSchema } from '../processors/filter.ts';
import type { memoryLimiterConfigSchema } from '../processors/memory-limiter.ts';
import type { samplerConfigSchema } from '../processors/probabilistic-sampler.ts';
import type { tailSamplingConfigSchema } from '../processors/tail-sampling-config.ts';
import type { otlpReceiverConfigSchema } from '../receivers/otlp/config.ts';
import type { serviceSchema } from './service.ts';

export type OtlpReceiverSection = z.input<typeof otlpReceiverConfigSchema>;
export type MemoryLimiterSection = z.input<typeof memoryLimiterConfigSchema>;
export type BatchSection = z.input<typeof batchConfigSchema>;
export type AttributesSection = z.input<typeof attributesConfigSchema>;
export type FilterSection = z.input<typeof filterConfigSchema>;
export type SamplerSection = z.input<typeof samplerConfigSchema>;
export type TailSamplingSection = z.input<typeof tailSamplingConfigSchema>;
export type OtlpGrpcExporterSection = z.input<typeof otlpGrpcConfigSchema>;
export type OtlpHttpExporterSection = z.input<typeof otlpHttpConfigSchema>;
export type LoadBalancingExporterSection = z.input<typeof loadBalancingConfigSchema>;
export type DebugExporterSection = z.input<typeof debugConfigSchema>;
export type HealthCheckSection = z.input<typeof healthCheckConfigSchema>;
export type BearerTokenAuthSection = z.input<typeof bearerTokenAuthConfigSchema>;
export type BasicAuthSection = z.input<typeof basicAuthConfigSchema>;
export type ServiceSection = z.input<typeof serviceSchema>;

/** Component ids are `type[/name]`; the processors section is keyed by the processor's type. */
export interface ConfigDocument {
  receivers: Record<string, OtlpReceiverSection>;
  processors: {
    memory_limiter?: MemoryLimiterSection;
    batch?: BatchSection;
    attributes?: AttributesSection;
    filter?: FilterSection;
    probabilistic_sampler?: SamplerSection;
    tail_sampling?: TailSamplingSection;
  };
  exporters: Record<string, OtlpGrpcExporterSection | OtlpHttpExporterSection | LoadBalancingExporterSection | DebugExporterSection>;
  extensions?: {
    health_check?: HealthCheckSection;
    [bearertokenauth: `bearertokenauth/${string}`]: BearerTokenAuthSection;
    [basicauth: `basicauth/${string}`]: BasicAuthSection;
  };
  service: ServiceSection;
}
