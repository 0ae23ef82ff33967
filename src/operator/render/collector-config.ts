// TelemetryPipeline spec -> collector config in the upstream OpenTelemetry Collector shape, so both our collector
// and the upstream image run the same ConfigMap. Listeners bind to ${env:POD_IP} (set from the downward API).
import { effectiveBatch } from '../../api/spec-processors.ts';
import type { Signal, TelemetryPipelineSpec } from '../../api/telemetry-pipeline.ts';
import type { ConfigDocument } from '../../collector/config/document.ts';
import { durationMs } from '../../api/schema-kit.ts';
import { GRPC_MAX_CONNECTION_AGE_GRACE_SECONDS, HEALTH_PORT, METRICS_PORT, OTLP_GRPC_PORT, OTLP_HTTP_PORT } from './defaults.ts';
import { exporterConfigs } from './exporters.ts';
import type { MemorySizing } from './memory.ts';
import { attributesConfig, filterConfig } from './processors.ts';
import { queueStorageExtensions, withQueueStorage, type FileStorageSection } from './queue-storage.ts';
import { authExtensions, receiverAuthenticator, receiverTlsConfig, type AuthExtension } from './secrets.ts';

const POD_IP = '${env:POD_IP}';

interface Listener {
  endpoint: string;
  tls?: ReturnType<typeof receiverTlsConfig>;
  auth?: { authenticator: string };
}

interface GrpcReceiverConfig extends Listener {
  keepalive?: { server_parameters: { max_connection_age: string; max_connection_age_grace: string } };
}

/**
 * The rendered config: the collector's own config document type (src/collector/config/document.ts), narrowed to
 * what the renderer writes, so the compiler checks every rendered field against what the collector reads.
 */
export interface CollectorConfig extends ConfigDocument {
  receivers: { otlp: { protocols: { grpc?: GrpcReceiverConfig; http?: Listener } } };
  extensions: {
    health_check: { endpoint: string };
    [bearertokenauth: `bearertokenauth/${string}`]: Extract<AuthExtension, { filename: string }>;
    [basicauth: `basicauth/${string}`]: Exclude<AuthExtension, { filename: string }>;
    [fileStorage: `file_storage/${string}`]: FileStorageSection;
  };
  service: {
    extensions: string[];
    telemetry: { metrics: { readers: { pull: { exporter: { prometheus: { host: string; port: number } } } }[] } };
    pipelines: Partial<Record<Signal, { receivers: string[]; processors: string[]; exporters: string[] }>>;
  };
}

function grpcReceiver(maxConnectionAge: string): GrpcReceiverConfig {
  const endpoint = `${POD_IP}:${OTLP_GRPC_PORT}`;
  if (durationMs(maxConnectionAge) === 0) return { endpoint };
  const grace = `${GRPC_MAX_CONNECTION_AGE_GRACE_SECONDS}s`;
  return { endpoint, keepalive: { server_parameters: { max_connection_age: maxConnectionAge, max_connection_age_grace: grace } } };
}

function receivers(spec: TelemetryPipelineSpec): CollectorConfig['receivers'] {
  const { grpc, http, tls, auth } = spec.receivers.otlp;
  const secured = {
    ...(tls && { tls: receiverTlsConfig(tls) }),
    ...(auth && { auth: { authenticator: receiverAuthenticator(auth) } }),
  };
  return {
    otlp: {
      protocols: {
        ...(grpc.enabled ? { grpc: { ...grpcReceiver(grpc.maxConnectionAge), ...secured } } : {}),
        ...(http.enabled ? { http: { endpoint: `${POD_IP}:${OTLP_HTTP_PORT}`, ...secured } } : {}),
      },
    },
  };
}

/**
 * Upstream's recommended order: memory_limiter first (it refuses data before anything spends memory on it), then the
 * processors that drop data (filter, then the sampler), then batch, then the rest (attributes). Dropping before
 * batching saves the batcher work and keeps batches full of data that is exported; filters see the attributes as
 * the application sent them; attributes never spends work on data that is discarded.
 */
function processorsAndChains(spec: TelemetryPipelineSpec, memory: MemorySizing) {
  const { attributes, filter, sampling } = spec.processors;
  const processors: CollectorConfig['processors'] = {
    memory_limiter: { check_interval: memory.checkInterval, limit_mib: memory.limitMiB, spike_limit_mib: memory.spikeLimitMiB },
    batch: effectiveBatch(spec.processors.batch),
  };
  const filtering = filter ? filterConfig(filter, spec.signals) : undefined;
  if (filtering) processors.filter = filtering;
  // 100 % keeps every trace: rendering the sampler would only cost a pass over the data.
  const sampled = spec.signals.includes('traces') && sampling !== undefined && sampling.percentage < 100;
  if (sampled) processors.probabilistic_sampler = { sampling_percentage: sampling.percentage };
  if (attributes && attributes.length > 0) processors.attributes = attributesConfig(attributes);

  const chain = (signal: Signal): string[] => [
    'memory_limiter',
    ...(filtering && signal in filtering ? ['filter'] : []),
    ...(sampled && signal === 'traces' ? ['probabilistic_sampler'] : []),
    'batch',
    ...(processors.attributes ? ['attributes'] : []),
  ];
  return { processors, chain };
}

export function renderCollectorConfig(spec: TelemetryPipelineSpec, memory: MemorySizing): CollectorConfig {
  const storage = queueStorageExtensions(spec.persistence);
  const exporters = withQueueStorage(exporterConfigs(spec.exporters), storage);
  const { processors, chain } = processorsAndChains(spec, memory);
  const pipelines: CollectorConfig['service']['pipelines'] = {};
  for (const signal of spec.signals) {
    pipelines[signal] = { receivers: ['otlp'], processors: chain(signal), exporters: Object.keys(exporters) };
  }
  const auth = { ...authExtensions(spec), ...storage };
  return {
    receivers: receivers(spec),
    processors,
    exporters,
    extensions: { health_check: { endpoint: `${POD_IP}:${HEALTH_PORT}` }, ...auth },
    service: {
      extensions: ['health_check', ...Object.keys(auth)],
      telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: POD_IP, port: METRICS_PORT } } } }] } },
      pipelines,
    },
  };
}
