// Contract between render and the embedded collector: every config the operator renders is one our collector
// accepts (its upstream-shaped schema rejects unknown components and fields), and the drain timeouts agree.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parsePipeline } from '../../../src/api/telemetry-pipeline.ts';
import { loadConfigTexts } from '../../../src/collector/config/load.ts';
import { validateConfig } from '../../../src/collector/config/validate.ts';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../../../src/collector/main.ts';
import { defaultFactories } from '../../../src/collector/registry.ts';
import { COLLECTOR_DRAIN_TIMEOUT_SECONDS, renderFleet } from '../../../src/operator/render/index.ts';
import { BACKEND, pipeline } from './fixtures.ts';

const sample = (name: string) => {
  const result = parsePipeline(parse(readFileSync(fileURLToPath(new URL(`../../../manifests/samples/${name}.yaml`, import.meta.url)), 'utf8')));
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.pipeline;
};

const everything = pipeline({
  exporters: [
    { ...BACKEND, otlp: { ...BACKEND.otlp, headers: { 'x-api-key': 'k$1' }, compression: 'none', timeout: '5s' } },
    { name: 'archive', otlphttp: { endpoint: 'http://archive.observability.svc:4318' }, sendingQueue: { enabled: false }, retryOnFailure: { enabled: false } },
  ],
  processors: {
    batch: { profile: 'highThroughput', timeout: '200ms', sendBatchSize: 100, sendBatchMaxSize: 0 },
    attributes: [
      { action: 'insert', key: 'env', value: 'prod' },
      { action: 'update', key: 'a', fromAttribute: 'b' },
      { action: 'upsert', key: 'price', value: '$5' },
      { action: 'delete', pattern: '^internal\\..*' },
      { action: 'hash', key: 'user.email' },
    ],
    filter: {
      spans: { nameMatches: ['^GET /healthz$', 'say "hi"'], attributeMatches: [{ key: 'http.route', value: '^/ready' }] },
      logRecords: { attributeMatches: [{ key: 'level', value: 'debug' }] },
      dataPoints: { attributeMatches: [{ key: 'k', value: 'v' }] },
    },
    sampling: { percentage: 12.5 },
  },
  receivers: { otlp: { http: { enabled: false } } },
  memoryLimiter: { checkInterval: '500ms' },
});

test.each([
  ['low-latency sample', sample('low-latency')],
  ['balanced sample', sample('balanced')],
  ['high-throughput sample', sample('high-throughput')],
  ['persistent-queues sample', sample('persistent-queues')],
  ['an emptyDir queue', pipeline({ persistence: { emptyDir: {} } })],
  ['every spec feature', everything],
  ['one signal only', pipeline({ signals: ['metrics'] })],
])('the collector accepts the rendered config: %s', (_name, p) => {
  const text = renderFleet(p, { image: 'x', replicas: 1 }).configMap.data!['config.yaml']!;
  const raw = loadConfigTexts([{ text, source: 'configmap' }], { POD_IP: '127.1.0.5' });
  expect(raw.issues).toEqual([]);
  expect(raw.expansion.unset).toEqual([]);
  expect(validateConfig(raw.expansion.value, defaultFactories, raw.expansion.originals).issues).toEqual([]);
});

test('the collector drains within the time the pod is given', () => {
  expect(DEFAULT_DRAIN_TIMEOUT_MS).toBe(COLLECTOR_DRAIN_TIMEOUT_SECONDS * 1000);
});

test('user text reaches the collector literally after its ${} expansion', () => {
  const text = renderFleet(everything, { image: 'x', replicas: 1 }).configMap.data!['config.yaml']!;
  const value = loadConfigTexts([{ text, source: 'configmap' }], { POD_IP: '127.1.0.5' }).expansion.value as any;
  expect(value.exporters['otlp/backend'].headers).toEqual({ 'x-api-key': 'k$1' });
  expect(value.processors.attributes.actions[2]).toEqual({ action: 'upsert', key: 'price', value: '$5' });
  expect(value.processors.filter.traces.span[0]).toBe('IsMatch(name, "^GET /healthz$")');
  expect(value.receivers.otlp.protocols.grpc.endpoint).toBe('127.1.0.5:4317');
});
