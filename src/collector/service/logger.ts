// The collector's logs: JSON lines on stderr (stdout stays free for the debug exporter), one child
// logger per component carrying upstream's otelcol.component.* fields.
import pino, { type Logger } from 'pino';
import type { TelemetryConfig } from '../config/service.ts';

export function createLogger(telemetry: TelemetryConfig): Logger {
  const base: Record<string, unknown> = { ...telemetry.logs.initial_fields };
  for (const [key, value] of Object.entries(telemetry.resource ?? {})) if (value !== null) base[key] = value;
  return pino(
    { level: telemetry.logs.level, base, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 2, sync: true }),
  );
}

export function componentLogger(logger: Logger, kind: string, id: string, pipeline?: string): Logger {
  const fields: Record<string, string> = { 'otelcol.component.kind': kind, 'otelcol.component.id': id };
  if (pipeline !== undefined) fields['otelcol.pipeline.id'] = pipeline;
  return logger.child(fields);
}
