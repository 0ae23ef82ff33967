// Schema of the `service` section: pipelines, enabled extensions and the collector's own telemetry.
import { z } from 'zod';
import type { Endpoint } from './endpoint.ts';

const pipelineSchema = z.preprocess(
  (value) => value ?? {},
  z.strictObject({
    receivers: z.array(z.string()).default([]),
    processors: z.array(z.string()).default([]),
    exporters: z.array(z.string()).default([]),
  }),
);

const prometheusSchema = z.strictObject({
  host: z.string().default('localhost'),
  port: z.number().int().min(0).max(65535).default(8888),
  // Accepted for compatibility: our names already are the upstream default output.
  without_units: z.boolean().optional(),
  without_type_suffix: z.boolean().optional(),
  without_scope_info: z.boolean().optional(),
});

const readerSchema = z.strictObject({
  pull: z.strictObject({ exporter: z.strictObject({ prometheus: prometheusSchema.prefault({}) }) }),
});

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const telemetrySchema = z.strictObject({
  logs: z.strictObject({
    level: z.preprocess((value) => (typeof value === 'string' ? value.toLowerCase() : value), z.enum(LOG_LEVELS)).default('info'),
    // Logs are always JSON lines on stderr; `console` is accepted so upstream configs load unchanged.
    encoding: z.enum(['console', 'json']).default('console'),
    initial_fields: z.record(z.string(), z.unknown()).optional(),
  }).prefault({}),
  metrics: z.strictObject({
    level: z.enum(['none', 'basic', 'normal', 'detailed']).default('normal'),
    // The legacy `address` is gone, as in upstream 0.161 (an unknown field there too).
    readers: z.array(readerSchema).max(1, 'only one metrics reader is supported').optional(),
  }).prefault({}),
  /** Attributes added to every log line of the collector. */
  resource: z.record(z.string(), z.string().nullable()).optional(),
});

export type TelemetryConfig = z.output<typeof telemetrySchema>;

export const serviceSchema = z.strictObject({
  extensions: z.array(z.string()).default([]),
  pipelines: z.record(z.string(), pipelineSchema).default({}),
  telemetry: telemetrySchema.prefault({}),
});

export type ServiceConfig = z.output<typeof serviceSchema>;

/** Where the Prometheus endpoint listens, or undefined when self-metrics are disabled. */
export function metricsEndpoint(telemetry: TelemetryConfig): Endpoint | undefined {
  const { metrics } = telemetry;
  if (metrics.level === 'none') return undefined;
  const reader = metrics.readers?.[0]?.pull.exporter.prometheus;
  if (reader) return { host: reader.host, port: reader.port };
  return { host: 'localhost', port: 8888 };
}

/** The config field that sets metricsEndpoint(), for errors about it (with neither set: the metrics section). */
export function metricsEndpointSetting(telemetry: TelemetryConfig): string {
  return telemetry.metrics.readers?.[0] ? 'service.telemetry.metrics.readers[0].pull.exporter.prometheus' : 'service.telemetry.metrics';
}
