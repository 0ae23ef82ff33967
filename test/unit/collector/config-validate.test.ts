import { formatIssue } from '../../../src/collector/config/issues.ts';
import { loadConfigTexts } from '../../../src/collector/config/load.ts';
import { validateConfig } from '../../../src/collector/config/validate.ts';
import { defaultFactories } from '../../../src/collector/registry.ts';

const minimal = `
receivers:
  otlp:
    protocols:
      grpc:
exporters:
  debug:
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
`;

function check(yaml: string | string[], env: Record<string, string> = {}) {
  const texts = typeof yaml === 'string' ? [yaml] : yaml;
  const raw = loadConfigTexts(texts.map((text, index) => ({ text, source: index === 0 ? 'test.yaml' : `extra${index}.yaml` })), env);
  if (raw.issues.length > 0) return { issues: raw.issues.map(formatIssue) };
  const result = validateConfig(raw.expansion.value, defaultFactories, raw.expansion.originals);
  return { config: result.config, issues: result.issues.map(formatIssue) };
}

test('a minimal config is valid and gets upstream defaults', () => {
  const { config, issues } = check(minimal);
  expect(issues).toEqual([]);
  expect(config!.receivers.get('otlp')!.config).toMatchObject({
    protocols: { grpc: { endpoint: 'localhost:4317', max_recv_msg_size_mib: 4 } },
  });
  expect((config!.receivers.get('otlp')!.config as { protocols: object }).protocols).not.toHaveProperty('http');
  expect(config!.service.pipelines).toEqual([{ id: 'traces', signal: 'traces', receivers: ['otlp'], processors: [], exporters: ['debug'] }]);
  expect(config!.service.telemetry.metrics.level).toBe('normal');
});

test('defaults of batch, memory_limiter, http protocol and health_check', () => {
  const { config, issues } = check(`
receivers: {otlp: {protocols: {http: }}}
processors:
  batch:
  memory_limiter: {check_interval: 1s, limit_percentage: 75, spike_limit_percentage: 25}
exporters: {debug: }
extensions: {health_check: }
service:
  extensions: [health_check]
  pipelines: {logs/2: {receivers: [otlp], processors: [memory_limiter, batch], exporters: [debug]}}
`);
  expect(issues).toEqual([]);
  expect(config!.processors.get('batch')!.config).toEqual({ send_batch_size: 8192, timeout: 200, send_batch_max_size: 0, metadata_keys: [], metadata_cardinality_limit: 1000 });
  expect(config!.processors.get('memory_limiter')!.config).toMatchObject({ check_interval: 1000, limit_percentage: 75, spike_limit_percentage: 25 });
  expect(config!.extensions.get('health_check')!.config).toMatchObject({ endpoint: 'localhost:13133', path: '/' });
  expect(config!.receivers.get('otlp')!.config).toMatchObject({
    protocols: { http: { endpoint: 'localhost:4318', traces_url_path: '/v1/traces', max_request_body_size: 20 * 1024 * 1024 } },
  });
  expect(config!.service.pipelines[0]).toMatchObject({ id: 'logs/2', signal: 'logs' });
});

test.each([
  ['unknown top-level key', 'foo: 1', 'foo: unknown field'],
  ['connectors', 'connectors: {forward: }', 'connectors: connectors are not supported by this collector'],
  ['unknown receiver type', 'receivers: {zipkin: }', 'receivers.zipkin: unknown receiver type "zipkin" (supported: otlp)'],
  ['bad component id', 'processors: {"batch/": }', 'processors.batch/: invalid processor id: name part must not be empty'],
  ['unknown field', 'processors: {batch: {size: 1}}', 'processors.batch.size: unknown field'],
  ['wrong type', 'processors: {batch: {send_batch_size: "big"}}', 'processors.batch.send_batch_size: expected number, received string'],
  ['bad duration', 'processors: {batch: {timeout: 5x}}', 'processors.batch.timeout: invalid duration "5x" (expected e.g. "200ms", "5s", "1m30s")'],
  ['batch max below size', 'processors: {batch: {send_batch_size: 100, send_batch_max_size: 10}}', 'processors.batch.send_batch_max_size: must be greater than or equal to send_batch_size'],
  ['memory_limiter without interval', 'processors: {memory_limiter: {limit_mib: 100}}', 'processors.memory_limiter.check_interval: must be greater than zero'],
  ['memory_limiter without limit', 'processors: {memory_limiter: {check_interval: 1s}}', 'processors.memory_limiter.limit_mib: one of limit_mib or limit_percentage must be greater than zero'],
  ['spike above limit', 'processors: {memory_limiter: {check_interval: 1s, limit_mib: 100, spike_limit_mib: 100}}', 'processors.memory_limiter.spike_limit_mib: must be smaller than limit_mib'],
  ['percentage above 100', 'processors: {memory_limiter: {check_interval: 1s, limit_percentage: 120}}', 'processors.memory_limiter.limit_percentage: must not exceed 100'],
  ['no protocol', 'receivers: {otlp/2: {protocols: {}}}', 'receivers.otlp/2.protocols: must specify at least one protocol (grpc or http) when using the OTLP receiver'],
  ['unknown protocol', 'receivers: {otlp/2: {protocols: {grpc: , thrift: }}}', 'receivers.otlp/2.protocols.thrift: unknown field'],
  ['bad endpoint', 'receivers: {otlp/2: {protocols: {grpc: {endpoint: "4317"}}}}', 'receivers.otlp/2.protocols.grpc.endpoint: invalid endpoint "4317" is not host:port'],
  ['bad health path', 'extensions: {health_check: {path: health}}', 'extensions.health_check.path: must start with /'],
  ['metrics level', 'service: {telemetry: {metrics: {level: loud}}}', 'service.telemetry.metrics.level: Invalid option: expected one of "none"|"basic"|"normal"|"detailed"'],
  ['unknown service key', 'service: {pipeline: {}}', 'service.pipeline: unknown field'],
  ['legacy metrics address, gone in upstream 0.161', 'service: {telemetry: {metrics: {address: "localhost:8888"}}}', 'service.telemetry.metrics.address: unknown field'],
  ['duplicate batch metadata key', 'processors: {batch: {metadata_keys: [tenant, Tenant]}}', 'processors.batch.metadata_keys[1]: duplicate entry in metadata_keys: "tenant" (case-insensitive)'],
  ['unknown config source', 'exporters: {debug: {verbosity: "${vault:secret}"}}', 'exporters.debug.verbosity: ${vault:secret}: unsupported: config source "vault" (env and file are supported)'],
])('%s', (_name, extra, expected) => {
  // The second file merges over the minimal one, as repeated --config flags do.
  const { issues } = check([minimal, extra]);
  expect(issues).toContain(expected);
});

test('accepted for compatibility: batch metadata_keys, health_check check_collector_pipeline (upstream ignores it)', () => {
  const { issues } = check([minimal, `
processors: {batch: {metadata_keys: [tenant], metadata_cardinality_limit: 10}}
extensions: {health_check: {check_collector_pipeline: {enabled: true, interval: 5m, exporter_failure_threshold: 5}}}
`]);
  expect(issues).toEqual([]);
});

test('pipeline reference errors name the list entry', () => {
  const { issues } = check(`
receivers: {otlp: {protocols: {grpc: }}}
processors: {batch: }
exporters: {debug: }
extensions: {health_check: }
service:
  extensions: [health_check, pprof]
  pipelines:
    traces:
      receivers: [otlp, otlp/2]
      processors: [batch, batch, memory_limiter]
      exporters: [debug]
    metrics:
      receivers: []
      exporters: []
    profiles:
      receivers: [otlp]
      exporters: [debug]
`);
  expect(issues).toEqual([
    'service.pipelines.traces.receivers[1]: receiver "otlp/2" is not configured (add it under receivers)',
    'service.pipelines.traces.processors[1]: references processor "batch" more than once',
    'service.pipelines.traces.processors[2]: processor "memory_limiter" is not configured (add it under processors)',
    'service.pipelines.metrics.receivers: must have at least one receiver',
    'service.pipelines.metrics.exporters: must have at least one exporter',
    'service.pipelines.profiles: unknown signal "profiles" (expected traces, metrics, logs)',
    'service.extensions[1]: extension "pprof" is not configured',
  ]);
});

test('all errors are reported, not only the first', () => {
  const { issues } = check([minimal, 'processors: {batch: {send_batch_size: x, timeout: y}}\nfoo: 1']);
  expect(issues).toHaveLength(3);
});

test('a component that fails validation is not reported again as missing', () => {
  const { issues } = check(minimal.replace('grpc:', 'grpc: {endpoint: 1}'));
  expect(issues).toEqual(['receivers.otlp.protocols.grpc.endpoint: expected string, received number']);
});

test('no pipelines', () => {
  expect(check('receivers: {otlp: {protocols: {grpc: }}}').issues).toEqual(['service.pipelines: service must have at least one pipeline']);
});

test('YAML syntax errors name file, line and column', () => {
  const { issues } = check('receivers:\n  otlp: [\n');
  expect(issues[0]).toMatch(/^test\.yaml:\d+:\d+: /);
});

test('env references: typed values, string fields keep the text', () => {
  const { config, issues } = check(
    minimal.replace('grpc:', 'grpc: {endpoint: "${env:HOST}:${env:PORT}", max_recv_msg_size_mib: "${env:SIZE}"}')
      .replace('debug:', 'debug: {verbosity: "${env:VERBOSITY}"}') + 'extensions: {health_check: {endpoint: "${env:HEALTH}"}}\n',
    { HOST: '127.0.0.1', PORT: '4317', SIZE: '16', VERBOSITY: 'basic', HEALTH: '127.0.0.1:1234' },
  );
  expect(issues).toEqual([]);
  expect(config!.receivers.get('otlp')!.config).toMatchObject({ protocols: { grpc: { endpoint: '127.0.0.1:4317', max_recv_msg_size_mib: 16 } } });
});

test('a number from the environment is accepted by a string field', () => {
  const { config, issues } = check(minimal + 'extensions: {health_check: {path: "/${env:P}"}}\n', { P: '1' });
  expect(issues).toEqual([]);
  expect(config!.extensions.get('health_check')!.config).toMatchObject({ path: '/1' });
});

test('later files override earlier ones; lists are replaced', () => {
  const { config, issues } = check([minimal, 'receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.1:1"}}}}\nexporters: {debug/2: }\nservice: {pipelines: {traces: {exporters: [debug/2]}}}']);
  expect(issues).toEqual([]);
  expect(config!.receivers.get('otlp')!.config).toMatchObject({ protocols: { grpc: { endpoint: '127.0.0.1:1' } } });
  expect(config!.service.pipelines[0]).toMatchObject({ receivers: ['otlp'], exporters: ['debug/2'] });
});
