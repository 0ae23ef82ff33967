import { parsePipeline, parseSpec, formatPath } from '../../../src/api/telemetry-pipeline.ts';

const exporter = { name: 'backend', otlp: { endpoint: 'backend.observability.svc:4317' } };
const minimal = { exporters: [exporter] };

function specOf(raw: unknown) {
  const result = parseSpec(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.spec;
}

describe('parseSpec defaults (the guide)', () => {
  const spec = specOf(minimal);

  test.each([
    ['signals', spec.signals, ['traces', 'metrics', 'logs']],
    ['replicas', spec.replicas, 3],
    ['scaling.enabled', spec.scaling.enabled, true],
    ['scaling.minReplicas', spec.scaling.minReplicas, 3],
    ['scaling.maxReplicas', spec.scaling.maxReplicas, 30],
    // Left out: learned from the collectors' CPU (the guide's figures stand in until then).
    ['capacity', spec.scaling.capacityPerReplica, undefined],
    ['capacity given in part: the guide fills the rest', specOf({ ...minimal, scaling: { capacityPerReplica: { spansPerSecond: 200 } } }).scaling.capacityPerReplica, { spansPerSecond: 200, metricPointsPerSecond: 100000, logRecordsPerSecond: 50000 }],
    ['targetUtilization', spec.scaling.targetUtilization, 0.7],
    ['scaleDownStabilizationSeconds', spec.scaling.scaleDownStabilizationSeconds, 300],
    ['evaluationPeriodSeconds', spec.scaling.evaluationPeriodSeconds, 15],
    ['requests', spec.resources.requests, { cpu: '1', memory: '512Mi' }],
    ['limits', spec.resources.limits, { cpu: '1', memory: '2Gi' }],
    ['memoryLimiter', spec.memoryLimiter, { limitPercent: 75, spikePercent: 25, checkInterval: '1s' }],
    ['batch', spec.processors.batch, { profile: 'balanced' }],
    ['receivers', spec.receivers.otlp, { grpc: { enabled: true, maxConnectionAge: '60s' }, http: { enabled: true } }],
    ['sendingQueue', spec.exporters[0]!.sendingQueue, { enabled: true, numConsumers: 10, queueSize: 10000 }],
    [
      'retryOnFailure',
      spec.exporters[0]!.retryOnFailure,
      { enabled: true, initialInterval: '5s', maxInterval: '30s', maxElapsedTime: '300s' },
    ],
    ['otlp', spec.exporters[0]!.otlp, { endpoint: 'backend.observability.svc:4317', compression: 'gzip', insecure: false, timeout: '60s' }],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });

  test('parsing a defaulted spec again changes nothing', () => {
    expect(specOf(spec)).toEqual(spec);
  });

  test('integer quantities are kept as written', () => {
    expect(specOf({ ...minimal, resources: { limits: { cpu: 4 } } }).resources.limits).toEqual({ cpu: 4, memory: '2Gi' });
  });
});

describe('parseSpec rejects with field paths', () => {
  const base = minimal as Record<string, unknown>;
  test.each<[string, unknown, string, RegExp]>([
    ['missing exporters', {}, 'spec.exporters', /expected array/],
    ['no exporters', { exporters: [] }, 'spec.exporters', /too small/i],
    ['unknown field', { ...base, replica: 3 }, 'spec.replica', /unknown field/],
    ['unknown nested field', { ...base, scaling: { minReplica: 3 } }, 'spec.scaling.minReplica', /unknown field/],
    ['min > max', { ...base, scaling: { minReplicas: 5, maxReplicas: 4 } }, 'spec.scaling.minReplicas', /must not exceed maxReplicas/],
    ['min > default max', { ...base, scaling: { minReplicas: 31 } }, 'spec.scaling.minReplicas', /must not exceed/],
    ['zero minReplicas', { ...base, scaling: { minReplicas: 0 } }, 'spec.scaling.minReplicas', /too small/i],
    ['utilization above 1', { ...base, scaling: { targetUtilization: 1.5 } }, 'spec.scaling.targetUtilization', /too big/i],
    ['utilization 0', { ...base, scaling: { targetUtilization: 0 } }, 'spec.scaling.targetUtilization', /too small/i],
    ['memory limit below request', { ...base, resources: { limits: { memory: '256Mi' } } }, 'spec.resources.limits.memory', /at least requests.memory/],
    ['cpu limit below request', { ...base, resources: { requests: { cpu: 3 } } }, 'spec.resources.limits.cpu', /at least requests.cpu/],
    ['bad quantity', { ...base, resources: { limits: { memory: '2GB' } } }, 'spec.resources.limits.memory', /quantity/],
    ['fractional integer quantity', { ...base, resources: { limits: { cpu: 1.5 } } }, 'spec.resources.limits.cpu', /.+/],
    ['duplicate exporter names', { exporters: [exporter, exporter] }, 'spec.exporters', /unique/],
    ['exporter without protocol', { exporters: [{ name: 'x' }] }, 'spec.exporters[0]', /exactly one of otlp or otlphttp/],
    [
      'exporter with both protocols',
      { exporters: [{ name: 'x', otlp: { endpoint: 'a:1' }, otlphttp: { endpoint: 'http://a:1' } }] },
      'spec.exporters[0]',
      /exactly one/,
    ],
    ['bad exporter name', { exporters: [{ ...exporter, name: 'Back_end' }] }, 'spec.exporters[0].name', /lower-case/],
    ['bad compression', { exporters: [{ name: 'x', otlp: { endpoint: 'a:1', compression: 'zstd' } }] }, 'spec.exporters[0].otlp.compression', /.+/],
    ['bad duration', { exporters: [{ ...exporter, retryOnFailure: { maxElapsedTime: '5 minutes' } }] }, 'spec.exporters[0].retryOnFailure.maxElapsedTime', /duration/],
    [
      'initial above max interval',
      { exporters: [{ ...exporter, retryOnFailure: { initialInterval: '1m', maxInterval: '30s' } }] },
      'spec.exporters[0].retryOnFailure.initialInterval',
      /must not exceed maxInterval/,
    ],
    ['repeated signal', { ...base, signals: ['traces', 'traces'] }, 'spec.signals', /repeat/],
    ['unknown signal', { ...base, signals: ['profiles'] }, 'spec.signals[0]', /.+/],
    ['no receiver protocol', { ...base, receivers: { otlp: { grpc: { enabled: false }, http: { enabled: false } } } }, 'spec.receivers.otlp', /at least one/],
    ['connection age not a duration', { ...base, receivers: { otlp: { grpc: { maxConnectionAge: '1 minute' } } } }, 'spec.receivers.otlp.grpc.maxConnectionAge', /duration/],
    ['unknown profile', { ...base, processors: { batch: { profile: 'fast' } } }, 'spec.processors.batch.profile', /.+/],
    [
      'batch max below size',
      { ...base, processors: { batch: { sendBatchSize: 100, sendBatchMaxSize: 50 } } },
      'spec.processors.batch.sendBatchMaxSize',
      /at least sendBatchSize/,
    ],
    ['zero batch timeout', { ...base, processors: { batch: { timeout: '0s' } } }, 'spec.processors.batch.timeout', /greater than 0/],
    ['attribute without key', { ...base, processors: { attributes: [{ action: 'delete' }] } }, 'spec.processors.attributes[0]', /key or pattern/],
    [
      'pattern on upsert',
      { ...base, processors: { attributes: [{ action: 'upsert', pattern: 'a.*', value: 'x' }] } },
      'spec.processors.attributes[0].pattern',
      /only allowed with the delete and hash/,
    ],
    ['insert without value', { ...base, processors: { attributes: [{ action: 'insert', key: 'a' }] } }, 'spec.processors.attributes[0]', /value or fromAttribute/],
    ['delete with value', { ...base, processors: { attributes: [{ action: 'delete', key: 'a', value: 'x' }] } }, 'spec.processors.attributes[0]', /only apply to insert/],
    ['invalid attribute pattern', { ...base, processors: { attributes: [{ action: 'delete', pattern: '(' }] } }, 'spec.processors.attributes[0].pattern', /invalid regular expression "\(": error parsing regexp: missing closing \)/],
    ['lookahead in a filter', { ...base, processors: { filter: { spans: { nameMatches: ['^(?!x)'] } } } }, 'spec.processors.filter.spans.nameMatches[0]', /invalid or unsupported Perl syntax/],
    [
      'back-reference in a filter value',
      { ...base, processors: { filter: { dataPoints: { attributeMatches: [{ key: 'k', value: '(a)\\1' }] } } } },
      'spec.processors.filter.dataPoints.attributeMatches[0].value',
      /invalid escape sequence/,
    ],
    ['sampling above 100', { ...base, processors: { sampling: { percentage: 101 } } }, 'spec.processors.sampling.percentage', /too big/i],
    ['memory limiter spike above 50', { ...base, memoryLimiter: { spikePercent: 60 } }, 'spec.memoryLimiter.spikePercent', /too big/i],
    ['negative replicas', { ...base, replicas: -1 }, 'spec.replicas', /too small/i],
  ])('%s', (_name, raw, path, message) => {
    const result = parseSpec(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => i.path === path);
    expect({ issues: result.issues, found: issue !== undefined }).toMatchObject({ found: true });
    expect(issue!.message).toMatch(message);
  });
});

describe('parsePipeline', () => {
  const object = { apiVersion: 'fleet.telemetry.dev/v1alpha1', kind: 'TelemetryPipeline', metadata: { name: 'checkout', namespace: 'shop' }, spec: minimal };

  test('accepts a pipeline and defaults its spec', () => {
    const result = parsePipeline(object);
    expect(result.ok && result.pipeline.spec.replicas).toBe(3);
  });

  test.each<[string, unknown, string]>([
    ['wrong kind', { ...object, kind: 'Pipeline' }, 'kind'],
    ['wrong apiVersion', { ...object, apiVersion: 'v1' }, 'apiVersion'],
    ['name too long for <name>-collector', { ...object, metadata: { name: 'a'.repeat(54) } }, 'metadata.name'],
    ['name starting with a digit', { ...object, metadata: { name: '1abc' } }, 'metadata.name'],
    ['spec problem', { ...object, spec: {} }, 'spec.exporters'],
  ])('%s', (_name, raw, path) => {
    const result = parsePipeline(raw);
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toContain(path);
  });
});

test.each<[string, (string | number)[], string]>([
  ['spec', [], 'spec'],
  ['spec', ['exporters', 0, 'otlp', 'endpoint'], 'spec.exporters[0].otlp.endpoint'],
  ['', ['metadata', 'name'], 'metadata.name'],
  ['', [2, 'a'], '[2].a'],
])('formatPath(%p, %p)', (prefix, segments, expected) => {
  expect(formatPath(prefix, segments)).toBe(expected);
});
