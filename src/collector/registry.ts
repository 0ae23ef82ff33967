// Every component this collector can run, by upstream type name (exporters also by alias).
import { debugExporterFactory } from './exporters/debug.ts';
import { otlpGrpcExporterFactory } from './exporters/otlp-grpc.ts';
import { otlpHttpExporterFactory } from './exporters/otlp-http.ts';
import { healthCheckExtensionFactory } from './extensions/health-check.ts';
import type { Factories } from './factories.ts';
import { attributesProcessorFactory } from './processors/attributes.ts';
import { batchProcessorFactory } from './processors/batch.ts';
import { filterProcessorFactory } from './processors/filter.ts';
import { memoryLimiterProcessorFactory } from './processors/memory-limiter.ts';
import { probabilisticSamplerFactory } from './processors/probabilistic-sampler.ts';
import { otlpReceiverFactory } from './receivers/otlp/factory.ts';

export const defaultFactories: Factories = {
  receivers: [otlpReceiverFactory],
  processors: [memoryLimiterProcessorFactory, batchProcessorFactory, attributesProcessorFactory, filterProcessorFactory, probabilisticSamplerFactory],
  exporters: [otlpGrpcExporterFactory, otlpHttpExporterFactory, debugExporterFactory],
  extensions: [healthCheckExtensionFactory],
};
