import { renderCollectorConfig } from '../../../src/operator/render/collector-config.ts';
import { memorySizing } from '../../../src/operator/render/memory.ts';
import { BACKEND, pipeline } from './fixtures.ts';

function config(spec: Record<string, unknown> = {}) {
  const p = pipeline(spec);
  return renderCollectorConfig(p.spec, memorySizing(p.spec));
}

test('defaults: memory_limiter then batch in every pipeline, one exporter, listeners on the pod IP', () => {
  const c = config();
  expect(c.receivers).toEqual({
    otlp: { protocols: { grpc: { endpoint: '${env:POD_IP}:4317', keepalive: { server_parameters: { max_connection_age: '60s', max_connection_age_grace: '10s' } } }, http: { endpoint: '${env:POD_IP}:4318' } } },
  });
  expect(c.processors).toEqual({
    memory_limiter: { check_interval: '1s', limit_mib: 1536, spike_limit_mib: 384 },
    batch: { timeout: '5s', send_batch_size: 8192, send_batch_max_size: 10000 },
  });
  for (const signal of ['traces', 'metrics', 'logs'] as const) {
    expect(c.service.pipelines[signal]).toEqual({
      receivers: ['otlp'],
      processors: ['memory_limiter', 'batch'],
      exporters: ['otlp/backend'],
    });
  }
  expect(c.extensions).toEqual({ health_check: { endpoint: '${env:POD_IP}:13133' } });
  expect(c.service.extensions).toEqual(['health_check']);
  expect(c.service.telemetry).toEqual({
    metrics: { readers: [{ pull: { exporter: { prometheus: { host: '${env:POD_IP}', port: 8888 } } } }] },
  });
});

test('exporters use upstream names and fields', () => {
  const c = config({
    exporters: [
      { ...BACKEND, sendingQueue: { numConsumers: 4 }, otlp: { ...BACKEND.otlp, headers: { 'x-api-key': 'k' } } },
      { name: 'archive', otlphttp: { endpoint: 'http://archive.observability.svc:4318', compression: 'none', timeout: '10s' } },
    ],
  });
  expect(c.exporters).toEqual({
    'otlp/backend': {
      endpoint: 'backend.observability.svc:4317',
      compression: 'gzip',
      tls: { insecure: true },
      timeout: '60s',
      headers: { 'x-api-key': 'k' },
      sending_queue: { enabled: true, num_consumers: 4, queue_size: 10000 },
      retry_on_failure: { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '300s' },
    },
    'otlphttp/archive': {
      endpoint: 'http://archive.observability.svc:4318',
      compression: 'none',
      tls: { insecure: false },
      timeout: '10s',
      sending_queue: { enabled: true, num_consumers: 10, queue_size: 10000 },
      retry_on_failure: { enabled: true, initial_interval: '5s', max_interval: '30s', max_elapsed_time: '300s' },
    },
  });
  expect(c.service.pipelines.traces?.exporters).toEqual(['otlp/backend', 'otlphttp/archive']);
});

test.each<[string, Record<string, unknown>, object]>([
  ['lowLatency', { profile: 'lowLatency' }, { timeout: '1s', send_batch_size: 512, send_batch_max_size: 1000 }],
  ['balanced', { profile: 'balanced' }, { timeout: '5s', send_batch_size: 8192, send_batch_max_size: 10000 }],
  ['highThroughput', { profile: 'highThroughput' }, { timeout: '5s', send_batch_size: 16384, send_batch_max_size: 20000 }],
  ['explicit over profile', { profile: 'lowLatency', timeout: '200ms', sendBatchSize: 800 }, { timeout: '200ms', send_batch_size: 800, send_batch_max_size: 1000 }],
  ['no upper bound', { sendBatchSize: 50000, sendBatchMaxSize: 0 }, { timeout: '5s', send_batch_size: 50000, send_batch_max_size: 0 }],
])('batch %s', (_name, batch, expected) => {
  expect(config({ processors: { batch } }).processors.batch).toEqual(expected);
});

test('pipelines only for the chosen signals, user processors after batch', () => {
  const c = config({
    signals: ['traces', 'logs'],
    processors: {
      attributes: [{ action: 'delete', pattern: '^internal\\..*' }],
      filter: {
        spans: { nameMatches: ['^GET /healthz$'], attributeMatches: [{ key: 'http.route', value: '^/ready' }] },
        dataPoints: { attributeMatches: [{ key: 'k', value: 'v' }] },
        logRecords: { attributeMatches: [{ key: 'level', value: '^debug$' }] },
      },
      sampling: { percentage: 25 },
    },
  });
  expect(Object.keys(c.service.pipelines)).toEqual(['traces', 'logs']);
  // memory_limiter, then what drops data, then batch, then the rest.
  expect(c.service.pipelines.traces?.processors).toEqual(['memory_limiter', 'filter', 'probabilistic_sampler', 'batch', 'attributes']);
  expect(c.service.pipelines.logs?.processors).toEqual(['memory_limiter', 'filter', 'batch', 'attributes']);
  expect(c.processors.probabilistic_sampler).toEqual({ sampling_percentage: 25 });
  expect(c.processors.filter).toEqual({
    error_mode: 'ignore',
    traces: { span: ['IsMatch(name, "^GET /healthz$$")', 'IsMatch(attributes["http.route"], "^/ready")'] },
    logs: { log_record: ['IsMatch(attributes["level"], "^debug$$")'] },
  });
  expect(c.processors.attributes).toEqual({ actions: [{ action: 'delete', pattern: '^internal\\..*' }] });
});

test.each<[string, Record<string, unknown>, string[]]>([
  ['sampling 100 % is not rendered', { sampling: { percentage: 100 } }, ['memory_limiter', 'batch']],
  ['filter only for a disabled signal', { filter: { logRecords: { attributeMatches: [{ key: 'a', value: 'b' }] } } }, ['memory_limiter', 'batch']],
  ['empty attributes list', { attributes: [] }, ['memory_limiter', 'batch']],
])('%s', (_name, processors, chain) => {
  const c = config({ signals: ['traces'], processors });
  expect(c.service.pipelines.traces?.processors).toEqual(chain);
  expect(Object.keys(c.processors).sort()).toEqual([...chain].sort());
});

test('sampling is traces only', () => {
  const c = config({ signals: ['metrics'], processors: { sampling: { percentage: 10 } } });
  expect(c.processors.probabilistic_sampler).toBeUndefined();
  expect(c.service.pipelines.metrics?.processors).toEqual(['memory_limiter', 'batch']);
});

test('disabled receiver protocol is not listened on', () => {
  expect(config({ receivers: { otlp: { http: { enabled: false } } } }).receivers.otlp.protocols).toEqual({
    grpc: { endpoint: '${env:POD_IP}:4317', keepalive: { server_parameters: { max_connection_age: '60s', max_connection_age_grace: '10s' } } },
  });
});

test.each([
  ['default: connections rotate every minute', undefined, { server_parameters: { max_connection_age: '60s', max_connection_age_grace: '10s' } }],
  ['a chosen age', '5m', { server_parameters: { max_connection_age: '5m', max_connection_age_grace: '10s' } }],
  ['0s keeps connections open: no keepalive block', '0s', undefined],
])('gRPC max connection age, %s', (_name, maxConnectionAge, keepalive) => {
  const grpc = maxConnectionAge === undefined ? {} : { maxConnectionAge };
  expect(config({ receivers: { otlp: { grpc } } }).receivers.otlp.protocols.grpc?.keepalive).toEqual(keepalive);
});

test('user text stays literal: $ is escaped for ${} expansion, quotes and backslashes for OTTL', () => {
  const c = config({
    exporters: [{ ...BACKEND, otlp: { ...BACKEND.otlp, headers: { auth: '${env:SECRET}' } } }],
    processors: {
      attributes: [{ action: 'upsert', key: 'price$', value: '$5' }],
      filter: { spans: { nameMatches: ['say "hi"\\d'] } },
    },
  });
  expect((c.exporters['otlp/backend'] as { headers: object }).headers).toEqual({ auth: '$${env:SECRET}' });
  expect(c.processors.attributes).toEqual({ actions: [{ action: 'upsert', key: 'price$$', value: '$$5' }] });
  expect((c.processors.filter as { traces: { span: string[] } }).traces.span).toEqual(['IsMatch(name, "say \\"hi\\"\\\\d")']);
});
