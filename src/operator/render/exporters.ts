// spec.exporters -> upstream `otlp/<name>` and `otlphttp/<name>` exporter configs.
import type { Exporter, OtlpClient } from '../../api/telemetry-pipeline.ts';
import { RenderError } from './errors.ts';
import { configLiteral, configLiterals } from './literal.ts';

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

function clientConfig(client: OtlpClient, path: string) {
  for (const name of Object.keys(client.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new RenderError(`${path}.headers.${name}`, `"${name}" is not a valid header name`);
  }
  return {
    endpoint: configLiteral(client.endpoint),
    compression: client.compression,
    tls: { insecure: client.insecure },
    timeout: client.timeout,
    ...(client.headers && Object.keys(client.headers).length > 0 ? { headers: configLiterals(client.headers) } : {}),
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
      client = clientConfig(exporter.otlp, `${path}.otlp`);
    } else {
      checkHttpEndpoint(exporter.otlphttp!.endpoint, `${path}.otlphttp.endpoint`);
      client = clientConfig(exporter.otlphttp!, `${path}.otlphttp`);
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
