// spec.processors.tailSampling -> two fleets: the routing tier (loadbalancing exporter, k8s resolver, EndpointSlice
// RBAC) and the sampling tier (tail_sampling, headless Service). Both configs are ones our collector accepts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parsePipeline, type TelemetryPipeline } from '../../../src/api/telemetry-pipeline.ts';
import { loadConfigTexts } from '../../../src/collector/config/load.ts';
import { validateConfig } from '../../../src/collector/config/validate.ts';
import { defaultFactories } from '../../../src/collector/registry.ts';
import { renderFleet } from '../../../src/operator/render/fleet.ts';
import { tailSamplingConfig } from '../../../src/operator/render/tail-sampling.ts';
import { renderTieredFleet, tieredObjects } from '../../../src/operator/render/tiers.ts';
import { BACKEND, pipeline } from './fixtures.ts';

const OPTS = { image: 'registry.example/tpo:1' };

const GUIDE_POLICIES = [
  { name: 'errors', type: 'statusCode', statusCode: { statusCodes: ['ERROR'] } },
  { name: 'slow', type: 'latency', latency: { thresholdMs: 1000 } },
  { name: 'vip', type: 'stringAttribute', stringAttribute: { key: 'customer.tier', values: ['vip', 'platinum'] } },
  { name: 'ten-percent', type: 'probabilistic', probabilistic: { samplingPercentage: 10 } },
];

const sample = (): TelemetryPipeline => {
  const text = readFileSync(fileURLToPath(new URL('../../../manifests/samples/tail-sampling.yaml', import.meta.url)), 'utf8');
  const result = parsePipeline({ ...parse(text), metadata: { name: 'tail-sampling', namespace: 'shop', uid: 'u-1' } });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.pipeline;
};

function accepted(text: string) {
  const raw = loadConfigTexts([{ text, source: 'configmap' }], { POD_IP: '198.19.0.7' });
  expect(raw.issues).toEqual([]);
  return validateConfig(raw.expansion.value, defaultFactories, raw.expansion.originals).issues;
}

describe('the guide\'s four policies', () => {
  const fleet = renderTieredFleet(sample(), OPTS);
  const sampler = fleet.sampler!;

  test('render to upstream tail_sampling fields', () => {
    expect(sampler.collectorConfig.processors.tail_sampling).toEqual({
      decision_wait: '10s',
      num_traces: 50000,
      expected_new_traces_per_sec: 1000,
      decision_cache: { sampled_cache_size: 100000, non_sampled_cache_size: 100000 },
      policies: [
        { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
        { name: 'slow', type: 'latency', latency: { threshold_ms: 1000 } },
        { name: 'vip', type: 'string_attribute', string_attribute: { key: 'customer.tier', values: ['vip', 'platinum'] } },
        { name: 'ten-percent', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } },
      ],
    });
  });

  test('the sampler holds, decides, batches and exports traces; it receives OTLP/gRPC only', () => {
    const config = sampler.collectorConfig;
    expect(config.service.pipelines).toEqual({ traces: { receivers: ['otlp'], processors: ['memory_limiter', 'tail_sampling', 'batch'], exporters: ['otlp/backend'] } });
    expect(config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '${env:POD_IP}:4317' } });
    expect(accepted(sampler.configMap.data!['config.yaml']!)).toEqual([]);
  });

  test('the routing tier sends traces by trace id to the sampler Service\'s endpoints', () => {
    const config = fleet.collectorConfig;
    expect(config.service.pipelines).toEqual({ traces: { receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['loadbalancing'] } });
    expect(Object.keys(config.processors)).toEqual(['memory_limiter']);
    expect(config.exporters).toEqual({
      loadbalancing: {
        routing_key: 'traceID',
        protocol: { otlp: { tls: { insecure: true } } },
        resolver: { k8s: { service: 'tail-sampling-sampler.shop', ports: [4317] } },
      },
    });
    expect(accepted(fleet.configMap.data!['config.yaml']!)).toEqual([]);
    expect(fleet.deployment.spec!.template.metadata!.annotations).toEqual({ 'fleet.telemetry.dev/config-hash': fleet.configHash });
    expect(fleet.deployment.spec!.template.spec!.automountServiceAccountToken).toBe(true);
  });
});

test('every object of both tiers, named, labelled and owned', () => {
  const objects = tieredObjects(renderTieredFleet(sample(), OPTS)) as { kind: string; metadata: any; spec?: any }[];
  expect(objects.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
    'ServiceAccount tail-sampling-collector',
    'ConfigMap tail-sampling-collector',
    'Service tail-sampling-collector',
    'Deployment tail-sampling-collector',
    'PodDisruptionBudget tail-sampling-collector',
    'ServiceAccount tail-sampling-sampler',
    'ConfigMap tail-sampling-sampler',
    'Service tail-sampling-sampler',
    'Deployment tail-sampling-sampler',
    'PodDisruptionBudget tail-sampling-sampler',
    'Role tail-sampling-collector',
    'RoleBinding tail-sampling-collector',
  ]);
  for (const o of objects) {
    expect(o.metadata.namespace).toBe('shop');
    expect(o.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'TelemetryPipeline', name: 'tail-sampling', uid: 'u-1', controller: true })]);
    expect(o.metadata.labels['app.kubernetes.io/managed-by']).toBe('telemetry-pipeline-operator');
  }
  const samplerObjects = objects.filter((o) => o.metadata.name === 'tail-sampling-sampler');
  for (const o of samplerObjects) {
    // Not the pipeline label: the routing tier's Service, PDB and autoscaler select by it.
    expect(o.metadata.labels).not.toHaveProperty('fleet.telemetry.dev/pipeline');
    expect(o.metadata.labels['fleet.telemetry.dev/sampler-of']).toBe('tail-sampling');
  }
});

test('the sampler tier: headless Service, its own pods, replicas from the spec', () => {
  const sampler = renderTieredFleet(sample(), OPTS).sampler!;
  const selector = { 'app.kubernetes.io/name': 'otel-collector-sampler', 'fleet.telemetry.dev/sampler-of': 'tail-sampling' };
  expect(sampler.service.spec).toMatchObject({ clusterIP: 'None', selector, ports: [{ name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc' }] });
  const d = sampler.deployment.spec!;
  expect(d.replicas).toBe(2);
  expect(d.selector).toEqual({ matchLabels: selector });
  expect(d.template.metadata!.labels).toMatchObject(selector);
  expect(d.template.metadata!.annotations).toEqual({ 'fleet.telemetry.dev/config-hash': sampler.configHash });
  expect(d.template.spec!.serviceAccountName).toBe('tail-sampling-sampler');
  expect(d.template.spec!.automountServiceAccountToken).toBe(false);
  expect(d.template.spec!.volumes).toContainEqual({ name: 'config', configMap: { name: 'tail-sampling-sampler' } });
  expect(d.template.spec!.containers[0]!.ports!.map((p) => p.name)).toEqual(['otlp-grpc', 'metrics', 'health']);
  // Keeps receiving a decisionWait (10s) and 10 s after termination starts, then drains (30 s) with 15 s to spare.
  expect(d.template.spec!.containers[0]!.lifecycle).toEqual({ preStop: { sleep: { seconds: 20 } } });
  expect(d.template.spec!.terminationGracePeriodSeconds).toBe(65);
  expect(sampler.podDisruptionBudget.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: selector } });
});

test.each<[string, Record<string, unknown>, Record<string, unknown>, number]>([
  ['autoscaled: sampler.replicas within the bounds', { enabled: true }, { replicas: 7, minReplicas: 2, maxReplicas: 5 }, 5],
  ['autoscaled: raised to minReplicas', { enabled: true }, { replicas: 1, minReplicas: 3 }, 3],
  ['not autoscaled: sampler.replicas as given', { enabled: false }, { replicas: 7, maxReplicas: 5 }, 7],
])('sampler Deployment replicas, %s', (_name, scaling, sampler, replicas) => {
  const p = pipeline({ scaling, processors: { tailSampling: { policies: GUIDE_POLICIES, sampler } } });
  expect(renderTieredFleet(p, OPTS).sampler!.deployment.spec!.replicas).toBe(replicas);
});

test('the routing tier may list and watch EndpointSlices in its namespace, nothing else', () => {
  const { role, roleBinding } = renderTieredFleet(sample(), OPTS).sampler!;
  expect(role.rules).toEqual([{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] }]);
  expect(roleBinding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'tail-sampling-collector' });
  expect(roleBinding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'tail-sampling-collector', namespace: 'shop' }]);
});

test('metrics and logs keep their pipelines on the routing tier; trace processors move to the sampler', () => {
  const p = pipeline({
    exporters: [BACKEND],
    processors: {
      attributes: [{ action: 'delete', key: 'secret' }],
      filter: { spans: { nameMatches: ['^health$'] }, logRecords: { attributeMatches: [{ key: 'level', value: 'debug' }] } },
      tailSampling: { policies: GUIDE_POLICIES },
    },
  });
  const fleet = renderTieredFleet(p, OPTS);
  const plain = renderFleet(p, OPTS).collectorConfig;
  expect(fleet.collectorConfig.service.pipelines.metrics).toEqual(plain.service.pipelines.metrics);
  expect(fleet.collectorConfig.service.pipelines.logs).toEqual(plain.service.pipelines.logs);
  expect(fleet.collectorConfig.exporters['otlp/backend']).toEqual(plain.exporters['otlp/backend']);
  expect(fleet.sampler!.collectorConfig.service.pipelines.traces!.processors).toEqual(['memory_limiter', 'filter', 'tail_sampling', 'batch', 'attributes']);
  expect(fleet.sampler!.collectorConfig.processors.filter).toEqual({ error_mode: 'ignore', traces: { span: ['IsMatch(name, "^health$$")'] } });
  expect(accepted(fleet.configMap.data!['config.yaml']!)).toEqual([]);
  expect(accepted(fleet.sampler!.configMap.data!['config.yaml']!)).toEqual([]);
});

test.each<[string, Record<string, unknown>, Record<string, number>]>([
  ['unset: numTraces each, so decided traces leave memory', {}, { sampled_cache_size: 5000, non_sampled_cache_size: 5000 }],
  ['one size given', { decisionCache: { sampledCacheSize: 100 } }, { sampled_cache_size: 100, non_sampled_cache_size: 5000 }],
  ['0 keeps decided traces in memory, as upstream without caches', { decisionCache: { sampledCacheSize: 0, nonSampledCacheSize: 0 } }, { sampled_cache_size: 0, non_sampled_cache_size: 0 }],
])('decision caches, %s', (_name, fields, expected) => {
  const p = pipeline({ processors: { tailSampling: { numTraces: 5000, policies: GUIDE_POLICIES, ...fields } } });
  expect(tailSamplingConfig(p.spec.processors.tailSampling!).decision_cache).toEqual(expected);
});

test('without tailSampling the fleet renders exactly as renderFleet', () => {
  const p = pipeline();
  expect(renderTieredFleet(p, OPTS)).toEqual(renderFleet(p, OPTS));
});

test.each<[string, Record<string, unknown>, Record<string, unknown>]>([
  ['latency band', { name: 'p', type: 'latency', latency: { thresholdMs: 100, upperThresholdMs: 500 } }, { name: 'p', type: 'latency', latency: { threshold_ms: 100, upper_threshold_ms: 500 } }],
  [
    'regex string attribute, inverted',
    { name: 'p', type: 'stringAttribute', stringAttribute: { key: 'http.route', values: ['^/api$'], enabledRegexMatching: true, cacheMaxSize: 10, invertMatch: true } },
    { name: 'p', type: 'string_attribute', string_attribute: { key: 'http.route', values: ['^/api$$'], enabled_regex_matching: true, cache_max_size: 10, invert_match: true } },
  ],
  ['numeric attribute, lower bound only', { name: 'p', type: 'numericAttribute', numericAttribute: { key: 'http.status_code', minValue: 500 } }, { name: 'p', type: 'numeric_attribute', numeric_attribute: { key: 'http.status_code', min_value: 500 } }],
  ['salted probabilistic', { name: 'p', type: 'probabilistic', probabilistic: { samplingPercentage: 2.5, hashSalt: 's' } }, { name: 'p', type: 'probabilistic', probabilistic: { sampling_percentage: 2.5, hash_salt: 's' } }],
  [
    'and',
    { name: 'p', type: 'and', and: { andSubPolicy: [GUIDE_POLICIES[0], GUIDE_POLICIES[2]] } },
    { name: 'p', type: 'and', and: { and_sub_policy: [{ name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } }, { name: 'vip', type: 'string_attribute', string_attribute: { key: 'customer.tier', values: ['vip', 'platinum'] } }] } },
  ],
  [
    'composite',
    { name: 'p', type: 'composite', composite: { maxTotalSpansPerSecond: 1000, policyOrder: ['errors', 'slow'], compositeSubPolicy: [GUIDE_POLICIES[0], GUIDE_POLICIES[1]], rateAllocation: [{ policy: 'errors', percent: 60 }] } },
    {
      name: 'p',
      type: 'composite',
      composite: {
        max_total_spans_per_second: 1000,
        policy_order: ['errors', 'slow'],
        composite_sub_policy: [{ name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } }, { name: 'slow', type: 'latency', latency: { threshold_ms: 1000 } }],
        rate_allocation: [{ policy: 'errors', percent: 60 }],
      },
    },
  ],
])('policy %s renders upstream fields, which the collector accepts', (_name, policy, expected) => {
  const p = pipeline({ signals: ['traces'], processors: { tailSampling: { policies: [policy] } } });
  expect(tailSamplingConfig(p.spec.processors.tailSampling!).policies).toEqual([expected]);
  expect(accepted(renderTieredFleet(p, OPTS).sampler!.configMap.data!['config.yaml']!)).toEqual([]);
});

test('with spec.persistence the routing StatefulSet gets the routing config hash and the API token too', () => {
  const fleet = renderTieredFleet(pipeline({ persistence: { volumeClaim: { size: '2Gi' } }, processors: { tailSampling: { policies: GUIDE_POLICIES } } }), OPTS);
  const template = fleet.statefulSet!.spec!.template;
  expect(template.metadata!.annotations!['fleet.telemetry.dev/config-hash']).toBe(fleet.configHash);
  expect(template.spec!.automountServiceAccountToken).toBe(true);
  expect(fleet.sampler!.collectorConfig.extensions).not.toHaveProperty(['file_storage/queue']);
  expect(fleet.sampler!.deployment.spec!.template.spec!.volumes!.map((v) => v.name)).toEqual(['config']);
});
