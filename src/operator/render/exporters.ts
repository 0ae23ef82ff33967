// spec.exporters -> upstream `otlp/<name>` and `otlphttp/<name>` exporter configs.
import type { V1EnvVar } from '@kubernetes/client-node';
import type { Exporter, OtlpClient } from '../../api/telemetry-pipeline.ts';
import type { OtlpGrpcExporterSection, OtlpHttpExporterSection } from '../../collector/config/document.ts';
import { configLiteral } from './literal.ts';
import { exporterAuthenticator, exporterTlsConfig } from './secrets.ts';

/**
 * The environment variable that carries one Secret-backed header into the collector pods. Exporter names are DNS
 * labels, so upper-casing them and turning "-" into "_" keeps names distinct.
 */
export function headerEnvName(exporterName: string, headerIndex: number): string {
  return `TPO_EXPORTER_${exporterName.toUpperCase().replace(/-/g, '_')}_HEADER_${headerIndex}`;
}

/** Container env for every headersFrom entry: the kubelet reads the Secret, the config only names the variable. */
export function secretHeaderEnv(exporters: readonly Exporter[]): V1EnvVar[] {
  return exporters.flatMap((exporter) =>
    ((exporter.otlp ?? exporter.otlphttp)?.headersFrom ?? []).map((header, j) => ({
      name: headerEnvName(exporter.name, j),
      valueFrom: { secretKeyRef: { name: header.secretKeyRef.name, key: header.secretKeyRef.key } },
    })),
  );
}

/** Header names are valid and set once (the schema's rules). */
function headersConfig(client: OtlpClient, exporterName: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(client.headers ?? {})) headers[configLiteral(name)] = configLiteral(value);
  // The one place the rendered config reads the pod's environment on purpose: the variable the kubelet fills from
  // the Secret (both collectors expand ${env:NAME}).
  (client.headersFrom ?? []).forEach((header, j) => (headers[configLiteral(header.name)] = `\${env:${headerEnvName(exporterName, j)}}`));
  return headers;
}

function clientConfig(client: OtlpClient, exporterName: string) {
  const headers = headersConfig(client, exporterName);
  return {
    endpoint: configLiteral(client.endpoint),
    compression: client.compression,
    tls: { insecure: client.insecure, ...(client.tls && exporterTlsConfig(client.tls)) },
    timeout: client.timeout,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(client.auth && { auth: { authenticator: exporterAuthenticator(exporterName, client.auth) } }),
  };
}

/** Upstream id of the exporter in the rendered config. */
export function exporterId(exporter: Exporter): string {
  return `${exporter.otlp ? 'otlp' : 'otlphttp'}/${exporter.name}`;
}

/** Exporter names are unique, each has exactly one of otlp and otlphttp, endpoints are well formed (the schema's rules). */
export function exporterConfigs(exporters: readonly Exporter[]): Record<string, OtlpGrpcExporterSection | OtlpHttpExporterSection> {
  const configs: Record<string, OtlpGrpcExporterSection | OtlpHttpExporterSection> = {};
  for (const exporter of exporters) {
    const { sendingQueue: q, retryOnFailure: r } = exporter;
    configs[exporterId(exporter)] = {
      ...clientConfig((exporter.otlp ?? exporter.otlphttp)!, exporter.name),
      sending_queue: { enabled: q.enabled, num_consumers: q.numConsumers, queue_size: q.queueSize },
      retry_on_failure: {
        enabled: r.enabled,
        initial_interval: r.initialInterval,
        max_interval: r.maxInterval,
        max_elapsed_time: r.maxElapsedTime,
      },
    };
  }
  return configs;
}
