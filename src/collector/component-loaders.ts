// Every component this collector can run, by upstream type name (exporters also by alias), each loaded only
// when a config names it: a collector process holds the code (and the libraries: grpc-js, re2js, ...) of its
// configured components only, which is most of its memory when idle.
import type { Factories, Kind } from './factories.ts';

type Loaders = { readonly [K in Kind]: Readonly<Record<string, () => Promise<Factories[K][number]>>> };

const otlpGrpc = async () => (await import('./exporters/otlp-grpc.ts')).otlpGrpcExporterFactory;
const otlpHttp = async () => (await import('./exporters/otlp-http.ts')).otlpHttpExporterFactory;

export const LOADERS: Loaders = {
  receivers: {
    otlp: async () => (await import('./receivers/otlp/factory.ts')).otlpReceiverFactory,
  },
  processors: {
    memory_limiter: async () => (await import('./processors/memory-limiter.ts')).memoryLimiterProcessorFactory,
    batch: async () => (await import('./processors/batch.ts')).batchProcessorFactory,
    attributes: async () => (await import('./processors/attributes.ts')).attributesProcessorFactory,
    filter: async () => (await import('./processors/filter.ts')).filterProcessorFactory,
    probabilistic_sampler: async () => (await import('./processors/probabilistic-sampler.ts')).probabilisticSamplerFactory,
    tail_sampling: async () => (await import('./processors/tail-sampling.ts')).tailSamplingProcessorFactory,
    redaction: async () => (await import('./processors/redaction.ts')).redactionProcessorFactory,
  },
  exporters: {
    otlp_grpc: otlpGrpc,
    otlp: otlpGrpc,
    otlp_http: otlpHttp,
    otlphttp: otlpHttp,
    debug: async () => (await import('./exporters/debug.ts')).debugExporterFactory,
    loadbalancing: async () => (await import('./exporters/loadbalancing/exporter.ts')).loadBalancingExporterFactory,
  },
  extensions: {
    health_check: async () => (await import('./extensions/health-check.ts')).healthCheckExtensionFactory,
    bearertokenauth: async () => (await import('./extensions/bearertokenauth.ts')).bearerTokenAuthExtensionFactory,
    file_storage: async () => (await import('./extensions/file-storage.ts')).fileStorageExtensionFactory,
    basicauth: async () => (await import('./extensions/basicauth.ts')).basicAuthExtensionFactory,
  },
};

const KINDS = Object.keys(LOADERS) as Kind[];

async function load<K extends Kind>(kind: K, types: Iterable<string>): Promise<Factories[K][number][]> {
  const loaders = [...new Set([...types].map((type) => LOADERS[kind][type]!))];
  return Promise.all(loaders.map((loader) => loader()));
}

/** The component types of one section of a parsed config (`otlp/backend` is of type `otlp`). */
function typesIn(section: unknown): string[] {
  if (section === null || typeof section !== 'object' || Array.isArray(section)) return [];
  return Object.keys(section).map((id) => id.split('/')[0]!);
}

/**
 * The factories of the component types a parsed config names. Where a section names a type this collector does
 * not know, every factory of that kind is loaded, so the validation error lists all the known types.
 */
export async function factoriesFor(root: unknown): Promise<Factories> {
  const top = root !== null && typeof root === 'object' ? (root as Record<string, unknown>) : {};
  const entries = await Promise.all(KINDS.map(async (kind) => {
    const types = typesIn(top[kind]);
    const known = types.every((type) => Object.hasOwn(LOADERS[kind], type));
    return [kind, await load(kind, known ? types : Object.keys(LOADERS[kind]))] as const;
  }));
  return Object.fromEntries(entries) as unknown as Factories;
}

/** Every factory (tests, and where no config decides). */
export async function allFactories(): Promise<Factories> {
  const entries = await Promise.all(KINDS.map(async (kind) => [kind, await load(kind, Object.keys(LOADERS[kind]))] as const));
  return Object.fromEntries(entries) as unknown as Factories;
}
