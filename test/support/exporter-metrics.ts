// Reading otelcol_exporter_* values back from a Telemetry registry, and a component context
// for exporter tests (real Telemetry, pino logger capturing lines in memory).
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { ComponentContext, Payload, Signal } from '../../src/collector/component.ts';
import { ITEM_NAME, Telemetry } from '../../src/collector/telemetry.ts';

export async function metricValue(telemetry: Telemetry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = telemetry.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const match = values.find((v) => Object.entries(labels).every(([k, value]) => v.labels[k] === value));
  return match?.value ?? 0;
}

export interface ExporterCounts {
  sent: number;
  sendFailed: number;
  enqueueFailed: number;
  queueSize: number;
  queueCapacity: number;
  retries: number;
}

export async function exporterCounts(telemetry: Telemetry, exporter: string, signal: Signal = 'traces'): Promise<ExporterCounts> {
  const item = ITEM_NAME[signal];
  const labels = { exporter };
  return {
    sent: await metricValue(telemetry, `otelcol_exporter_sent_${item}`, labels),
    sendFailed: await metricValue(telemetry, `otelcol_exporter_send_failed_${item}`, labels),
    enqueueFailed: await metricValue(telemetry, `otelcol_exporter_enqueue_failed_${item}`, labels),
    queueSize: await metricValue(telemetry, 'otelcol_exporter_queue_size', { ...labels, data_type: signal }),
    queueCapacity: await metricValue(telemetry, 'otelcol_exporter_queue_capacity', { ...labels, data_type: signal }),
    retries: await metricValue(telemetry, 'otelcol_exporter_send_retries', labels),
  };
}

export interface TestContext extends ComponentContext {
  /** Parsed log lines written so far. */
  readonly logs: Array<Record<string, unknown>>;
}

export function testContext(id = 'otlp/test', telemetry = new Telemetry()): TestContext {
  const logs: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return { id, type: id.split('/')[0]!, logger, telemetry, logs };
}

/** A payload with no real content, for queue and retry logic that never looks inside. */
export function fakePayload(items = 10, signal: Signal = 'traces'): Payload {
  return { signal, resources: [], items, bytes: items * 100 };
}
