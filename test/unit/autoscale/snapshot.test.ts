import { Telemetry } from '../../../src/collector/telemetry.ts';
import { parsePrometheusText } from '../../../src/operator/autoscale/prom-text.ts';
import { snapshotOf, SnapshotError } from '../../../src/operator/autoscale/snapshot.ts';

const snapshot = (text: string) => snapshotOf(parsePrometheusText(text));

describe('snapshotOf', () => {
  test.each(['otelcol_process_cpu_seconds', 'otelcol_process_cpu_seconds_total'])('reads the process CPU time from %s', (name) => {
    expect(snapshot(`# TYPE ${name} counter\n${name}{service_instance_id="i"} 12.5\n`).cpuSeconds).toBe(12.5);
    expect(snapshot('otelcol_receiver_accepted_spans 1\n').cpuSeconds).toBeUndefined();
  });

  test("reads our collector's own self-metrics (bare upstream names)", async () => {
    const telemetry = new Telemetry();
    telemetry.receiver('otlp', 'grpc').accepted('traces', 700);
    telemetry.receiver('otlp', 'http').accepted('traces', 300);
    telemetry.receiver('otlp', 'grpc').accepted('metrics', 50);
    telemetry.receiver('otlp', 'grpc').refused('traces', 5);
    telemetry.memoryLimiter('memory_limiter').refused('traces', 4);
    const exporter = telemetry.exporter('otlp/backend');
    exporter.sent('logs', 9);
    exporter.sendFailed('logs', 2);
    exporter.queue(30, 100);
    const s = snapshot(await telemetry.metrics());
    expect(s.accepted).toEqual({ spans: 1000, metricPoints: 50, logRecords: 0 });
    expect(s.receiverRefused.spans).toBe(5);
    expect(s.processorRefused.spans).toBe(4);
    expect(s.sent.logRecords).toBe(9);
    expect(s.sendFailed.logRecords).toBe(2);
    expect(s.queues).toEqual([{ labels: 'exporter="otlp/backend"', size: 30, capacity: 100 }]);
    expect(s.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  test('reads the _total names of newer upstream collectors, summing label sets', () => {
    const s = snapshot(
      [
        '# TYPE otelcol_receiver_accepted_spans_total counter',
        'otelcol_receiver_accepted_spans_total{receiver="otlp",service_instance_id="i",transport="grpc"} 10',
        'otelcol_receiver_accepted_spans_total{receiver="otlp",service_instance_id="i",transport="http"} 5',
        'otelcol_receiver_accepted_log_records_total{receiver="filelog"} 7',
        'otelcol_processor_refused_metric_points_total{processor="memory_limiter"} 3',
        'otelcol_exporter_queue_size{data_type="traces",exporter="otlp"} 8',
        'otelcol_exporter_queue_capacity{data_type="traces",exporter="otlp"} 10',
        'otelcol_exporter_queue_size{data_type="logs",exporter="otlp"} 1',
        'otelcol_exporter_queue_capacity{data_type="logs",exporter="otlp"} 10',
        'otelcol_exporter_queue_size{exporter="nocap"} 1',
        'otelcol_process_uptime_seconds_total{service_instance_id="i"} 42.5',
      ].join('\n'),
    );
    expect(s.accepted).toEqual({ spans: 15, metricPoints: 0, logRecords: 7 });
    expect(s.processorRefused.metricPoints).toBe(3);
    expect(s.queues.map((q) => q.size / q.capacity)).toEqual([0.8, 0.1]);
    expect(s.uptimeSeconds).toBe(42.5);
  });

  test('a collector exporting nothing we know reads as zero, without uptime', () => {
    const s = snapshot('process_cpu_seconds_total 3\n');
    expect(s.accepted).toEqual({ spans: 0, metricPoints: 0, logRecords: 0 });
    expect(s.queues).toEqual([]);
    expect(s.uptimeSeconds).toBeUndefined();
  });

  test.each([
    ['otelcol_receiver_accepted_spans NaN', 'otelcol_receiver_accepted_spans: value NaN is not a finite number'],
    ['otelcol_exporter_sent_spans -1', 'otelcol_exporter_sent_spans: counter is negative (-1)'],
  ])('rejects %j', (text, message) => {
    expect(() => snapshot(text)).toThrow(new SnapshotError(message));
  });
});
