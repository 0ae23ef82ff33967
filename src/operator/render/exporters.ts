// spec.exporters -> upstream `otlp/<name>` and `otlphttp/<name>` exporter configs.
import type { V1EnvVar } from '@kubernetes/client-node';
import type { Exporter, OtlpClient } from '../../api/telemetry-pipeline.ts';
import { RenderError } from './errors.ts';
import { configLiteral } from './literal.ts';

const DNS_NAME = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*\.?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const BRACKETED_IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function validPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

function validHost(host: string): boolean {
  return (host.length <= 253 && DNS_NAME.test(host)) || IPV4.test(host) || BRACKETED_IPV6.test(host);
}

/** gRPC exporters take host:port (the upstream otlp exporter would otherwise guess a scheme or a port). */
export function checkGrpcEndpoint(endpoint: string, path: string): void {
  const colon = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, Math.max(colon, 0));
  const port = endpoint.slice(colon + 1);
  if (colon <= 0 || !validHost(host) || !validPort(port)) {
    throw new RenderError(path, `"${endpoint}" is not host:port (for example backend.observability.svc:4317)`);
  }
}

/** HTTP exporters take a base URL; the collector appends /v1/traces, /v1/metrics, /v1/logs. */
export function checkHttpEndpoint(endpoint: string, path: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new RenderError(path, `"${endpoint}" is not a URL (for example http://backend.observability.svc:4318)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RenderError(path, `"${endpoint}" must use http or https`);
  if (url.username !== '' || url.password !== '') {
    throw new RenderError(path, 'credentials in the URL would be stored in a ConfigMap; send them in headers');
  }
  if (url.search !== '' || url.hash !== '') throw new RenderError(path, `"${endpoint}" must not have a query or fragment`);
}

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

function headersConfig(client: OtlpClient, exporterName: string, path: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const seen = new Map<string, string>();
  const add = (name: string, value: string, field: string) => {
    if (!HEADER_NAME.test(name)) throw new RenderError(field, `"${name}" is not a valid header name`);
    const other = seen.get(name.toLowerCase());
    if (other !== undefined) throw new RenderError(field, `header "${name}" is already set by ${other}`);
    seen.set(name.toLowerCase(), field);
    headers[configLiteral(name)] = value;
  };
  for (const [name, value] of Object.entries(client.headers ?? {})) add(name, configLiteral(value), `${path}.headers.${name}`);
  // The one place the rendered config reads the pod's environment on purpose: the variable the kubelet fills from
  // the Secret (both collectors expand ${env:NAME}).
  (client.headersFrom ?? []).forEach((header, j) => add(header.name, `\${env:${headerEnvName(exporterName, j)}}`, `${path}.headersFrom[${j}].name`));
  return headers;
}

function clientConfig(client: OtlpClient, exporterName: string, path: string) {
  const headers = headersConfig(client, exporterName, path);
  return {
    endpoint: configLiteral(client.endpoint),
    compression: client.compression,
    tls: { insecure: client.insecure },
    timeout: client.timeout,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
}

/** Upstream id of the exporter in the rendered config. */
export function exporterId(exporter: Exporter): string {
  return `${exporter.otlp ? 'otlp' : 'otlphttp'}/${exporter.name}`;
}

export function exporterConfigs(exporters: readonly Exporter[]): Record<string, object> {
  const configs: Record<string, object> = {};
  exporters.forEach((exporter, i) => {
    const path = `spec.exporters[${i}]`;
    const id = exporterId(exporter);
    if (exporters.findIndex((e) => e.name === exporter.name) !== i) {
      throw new RenderError(`${path}.name`, `exporter name "${exporter.name}" is used twice`);
    }
    if ((exporter.otlp === undefined) === (exporter.otlphttp === undefined)) {
      throw new RenderError(path, 'set exactly one of otlp or otlphttp');
    }
    let client: object;
    if (exporter.otlp) {
      checkGrpcEndpoint(exporter.otlp.endpoint, `${path}.otlp.endpoint`);
      client = clientConfig(exporter.otlp, exporter.name, `${path}.otlp`);
    } else {
      checkHttpEndpoint(exporter.otlphttp!.endpoint, `${path}.otlphttp.endpoint`);
      client = clientConfig(exporter.otlphttp!, exporter.name, `${path}.otlphttp`);
    }
    const { sendingQueue: q, retryOnFailure: r } = exporter;
    configs[id] = {
      ...client,
      sending_queue: { enabled: q.enabled, num_consumers: q.numConsumers, queue_size: q.queueSize },
      retry_on_failure: {
        enabled: r.enabled,
        initial_interval: r.initialInterval,
        max_interval: r.maxInterval,
        max_elapsed_time: r.maxElapsedTime,
      },
    };
  });
  return configs;
}
