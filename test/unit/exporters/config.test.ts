// Exporter configuration: upstream defaults, endpoint forms, TLS/header rules, channel options.
import { headersSchema, tlsClientSchema } from '../../../src/collector/exporters/client-config.ts';
import { channelOptions, otlpGrpcConfigSchema, parseGrpcEndpoint } from '../../../src/collector/exporters/otlp-grpc.ts';
import { signalUrl } from '../../../src/collector/exporters/otlp-http.ts';
import { partialSuccessFromJson, partialSuccessFromProto } from '../../../src/collector/exporters/partial-success.ts';
import { encodePartialSuccess } from '../../support/rpc-status-encode.ts';

const issuePaths = (result: { error?: { issues: Array<{ path: PropertyKey[] }> } }) => result.error?.issues.map((i) => i.path.join('.'));

describe('otlp_grpc config', () => {
  test('defaults as upstream: gzip, 5s timeout, queue and retry on, TLS required, pick_first', () => {
    expect(otlpGrpcConfigSchema.parse({ endpoint: 'backend:4317' })).toMatchObject({
      compression: 'gzip', timeout: 5000, balancer_name: '', headers: [],
      tls: { insecure: false, insecure_skip_verify: false, min_version: '1.2' },
      sending_queue: { enabled: true, num_consumers: 10, queue_size: 1000 },
      retry_on_failure: { enabled: true, initial_interval: 5000, max_interval: 30_000, max_elapsed_time: 300_000, multiplier: 1.5, randomization_factor: 0.5 },
    });
  });

  test.each([
    ['backend:4317', { target: 'backend:4317', forceTls: false }],
    ['127.0.0.1:4317', { target: '127.0.0.1:4317', forceTls: false }],
    ['[::1]:4317', { target: '[::1]:4317', forceTls: false }],
    ['dns:///backend.observability:4317', { target: 'backend.observability:4317', forceTls: false }],
    ['dns://backend:4317', { target: 'backend:4317', forceTls: false }],
    ['http://backend:4317', { target: 'backend:4317', forceTls: false }],
    ['https://backend:4317', { target: 'backend:4317', forceTls: true }],
    ['unix:///var/run/otel.sock', { target: 'unix:///var/run/otel.sock', forceTls: false }],
  ])('endpoint %s', (endpoint, expected) => {
    expect(parseGrpcEndpoint(endpoint)).toEqual(expected);
  });

  test.each(['backend', 'backend:', 'backend:http', 'backend:70000', 'http://backend:4317/v1', 'unix://'])('rejects endpoint %s', (endpoint) => {
    expect(parseGrpcEndpoint(endpoint)).toHaveProperty('error');
    expect(issuePaths(otlpGrpcConfigSchema.safeParse({ endpoint }))).toContain('endpoint');
  });

  test.each([
    [{}, 'endpoint'],
    [{ endpoint: 'b:1', compression: 'lz4' }, 'compression'],
    [{ endpoint: 'b:1', balancer_name: 'least_request' }, 'balancer_name'],
    [{ endpoint: 'b:1', headers: { 'bad key': 'v' } }, 'headers.0'],
    [{ endpoint: 'b:1', headers: { 'trace-bin': 'v' } }, 'headers.0'],
    [{ endpoint: 'b:1', timeout: 'fast' }, 'timeout'],
    [{ endpoint: 'b:1', sending_queue: { queue_size: 'many' } }, 'sending_queue.queue_size'],
    [{ endpoint: 'b:1', tls: { ca_file: 'a', ca_pem: 'b' } }, 'tls.ca_pem'],
    [{ endpoint: 'b:1', tls: { cert_file: 'c' } }, 'tls.key_file'],
    [{ endpoint: 'b:1', tls: { insecure: 'yes' } }, 'tls.insecure'],
    [{ endpoint: 'b:1', auth: {} }, 'auth.authenticator'],
  ])('rejects %j at %s', (input, path) => {
    expect(issuePaths(otlpGrpcConfigSchema.safeParse(input))).toContain(path);
  });

  test.each([
    [{}, { 'grpc.default_compression_algorithm': 2 }, ['grpc.service_config', 'grpc.keepalive_time_ms']],
    [{ compression: 'none' }, {}, ['grpc.default_compression_algorithm']],
    [{ balancer_name: 'round_robin' }, { 'grpc.service_config': '{"loadBalancingConfig":[{"round_robin":{}}]}' }, []],
    [{ keepalive: { time: '30s' } }, { 'grpc.keepalive_time_ms': 30_000, 'grpc.keepalive_timeout_ms': 10_000, 'grpc.keepalive_permit_without_calls': 0 }, []],
    [{ authority: 'backend.local', tls: { server_name_override: 'backend' } }, { 'grpc.default_authority': 'backend.local', 'grpc.ssl_target_name_override': 'backend' }, []],
  ])('channel options for %j', (input, expected, absent) => {
    const options = channelOptions(otlpGrpcConfigSchema.parse({ endpoint: 'b:1', ...input }));
    expect(options).toMatchObject(expected);
    for (const key of absent) expect(options).not.toHaveProperty(key);
  });
});

describe('otlp_http URLs', () => {
  test.each([
    [{ endpoint: 'http://c:4318' }, 'traces', 'http://c:4318/v1/traces'],
    [{ endpoint: 'http://c:4318/' }, 'metrics', 'http://c:4318/v1/metrics'],
    [{ endpoint: 'https://c/otlp' }, 'logs', 'https://c/otlp/v1/logs'],
    [{ endpoint: 'http://c:4318', logs_endpoint: 'http://l:9/ingest' }, 'logs', 'http://l:9/ingest'],
    [{ traces_endpoint: 'http://t:1/x' }, 'metrics', undefined],
  ] as const)('%j %s -> %s', (cfg, signal, expected) => {
    expect(signalUrl(cfg, signal)).toBe(expected);
  });
});

describe('shared client settings', () => {
  test('headers accept a map or upstream\'s list form', () => {
    expect(headersSchema.parse({ a: '1', b: '2' })).toEqual([['a', '1'], ['b', '2']]);
    expect(headersSchema.parse([{ name: 'a', value: '1' }])).toEqual([['a', '1']]);
    expect(headersSchema.parse(undefined)).toEqual([]);
  });

  test('tls defaults', () => {
    expect(tlsClientSchema.parse({})).toEqual({
      insecure: false, insecure_skip_verify: false, server_name_override: '', include_system_ca_certs_pool: false, min_version: '1.2',
      cipher_suites: [], include_insecure_cipher_suites: false, curve_preferences: [], reload_interval: 0,
    });
  });
});

describe('partial_success', () => {
  test.each([
    [encodePartialSuccess(3, 'bad'), { rejected: 3, message: 'bad' }],
    [encodePartialSuccess(0, 'warning only'), { rejected: 0, message: 'warning only' }],
    [encodePartialSuccess(0), undefined],
    [Buffer.alloc(0), undefined],
  ])('protobuf %#', (bytes, expected) => {
    expect(partialSuccessFromProto(bytes)).toEqual(expected);
  });

  test.each([
    ['traces', '{"partialSuccess":{"rejectedSpans":"4","errorMessage":"x"}}', { rejected: 4, message: 'x' }],
    ['metrics', '{"partialSuccess":{"rejectedDataPoints":2}}', { rejected: 2, message: '' }],
    ['logs', '{"partial_success":{"rejected_log_records":"1"}}', { rejected: 1, message: '' }],
    ['logs', '{"partialSuccess":{}}', undefined],
    ['traces', '{}', undefined],
    ['traces', '', undefined],
  ] as const)('JSON %s %s', (signal, body, expected) => {
    expect(partialSuccessFromJson(signal, body)).toEqual(expected);
  });
});
