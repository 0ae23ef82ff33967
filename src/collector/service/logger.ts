// The collector's logs: JSON lines on stderr (stdout stays free for the debug exporter), one child
// logger per component carrying upstream's otelcol.component.* fields.
import { setLogger } from '@grpc/grpc-js';
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

/**
 * grpc-js prints its own diagnostics to stderr as plain text ("E No address added ..."): make them JSON lines of
 * this log. Its note about an address it could not bind goes to debug: the receiver reports that failure itself,
 * naming the config field to change (ListenError).
 */
export function routeGrpcLogs(logger: Logger): void {
  const log = logger.child({ component: 'grpc-js' });
  const text = (args: unknown[]) => args.map(String).join(' ');
  setLogger({
    error: (...args: unknown[]) => (text(args).startsWith('No address added') ? log.debug(text(args)) : log.error(text(args))),
    info: (...args: unknown[]) => log.info(text(args)),
    debug: (...args: unknown[]) => log.debug(text(args)),
  });
}

export function componentLogger(logger: Logger, kind: string, id: string, pipeline?: string): Logger {
  const fields: Record<string, string> = { 'otelcol.component.kind': kind, 'otelcol.component.id': id };
  if (pipeline !== undefined) fields['otelcol.pipeline.id'] = pipeline;
  return logger.child(fields);
}
