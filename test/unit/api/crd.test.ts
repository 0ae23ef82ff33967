import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CRD_FILE, buildCrd, crdSchema, crdYaml } from '../../../src/api/crd.ts';
import { structuralProblems, type JsonSchema } from '../../../src/api/structural.ts';
import { parseSpec } from '../../../src/api/telemetry-pipeline.ts';

const repoFile = fileURLToPath(new URL(`../../../${CRD_FILE}`, import.meta.url));

test(`${CRD_FILE} is up to date (run \`npm run gen:crd\` when this fails)`, () => {
  expect(readFileSync(repoFile, 'utf8')).toBe(crdYaml());
});

test('the openAPIV3Schema is structural and every field is described', () => {
  expect(structuralProblems(crdSchema())).toEqual([]);
});

test.each<[string, JsonSchema, RegExp]>([
  ['$ref', { type: 'object', properties: { a: { description: 'a', $ref: '#/x' } } }, /\.a: \$ref/],
  ['typed anyOf', { type: 'object', properties: { a: { description: 'a', anyOf: [{ type: 'string' }] } } }, /\.a: anyOf must not specify types/],
  ['typed allOf deep', { type: 'object', properties: { a: { description: 'a', type: 'object', allOf: [{ properties: { b: { type: 'string' } } }] } } }, /allOf/],
  ['missing type', { type: 'object', properties: { a: { description: 'a' } } }, /\.a: type is missing/],
  ['missing description', { type: 'object', properties: { a: { type: 'string' } } }, /\.a: description is missing/],
  ['missing item description', { type: 'object', properties: { a: { description: 'a', type: 'array', items: { type: 'string' } } } }, /\.a\[\*\]: description/],
  [
    'properties beside additionalProperties',
    { type: 'object', properties: { a: { description: 'a', type: 'object', properties: {}, additionalProperties: { type: 'string', description: 'v' } } } },
    /mutually exclusive/,
  ],
  ['additionalProperties false', { type: 'object', properties: { a: { description: 'a', type: 'object', additionalProperties: false } } }, /false is not allowed/],
  ['lookahead pattern', { type: 'object', properties: { a: { description: 'a', type: 'string', pattern: '^(?!x)' } } }, /pattern: invalid regular expression "\^\(\?!x\)"/],
  [
    'list-map key neither required nor defaulted',
    {
      type: 'object',
      properties: {
        a: {
          description: 'a',
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['k'],
          items: { description: 'i', type: 'object', properties: { k: { description: 'k', type: 'string' } } },
        },
      },
    },
    /list-map key k/,
  ],
])('the structural check catches %s', (_name, schema, problem) => {
  expect(structuralProblems(schema).join('\n')).toMatch(problem);
});

test('int-or-string fields need no type', () => {
  const schema = { type: 'object', properties: { q: { description: 'q', 'x-kubernetes-int-or-string': true } } };
  expect(structuralProblems(schema)).toEqual([]);
});

describe('the CRD', () => {
  const crd = buildCrd() as any;
  const version = crd.spec.versions[0];

  test('names', () => {
    expect(crd.metadata.name).toBe('telemetrypipelines.fleet.telemetry.dev');
    expect(crd.spec.names).toMatchObject({ kind: 'TelemetryPipeline', plural: 'telemetrypipelines', shortNames: ['tp'] });
    expect(crd.spec.names.categories.length).toBeGreaterThan(0);
  });

  test('status and scale subresources', () => {
    expect(version.subresources).toEqual({
      status: {},
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    });
  });

  test('printer columns', () => {
    expect(version.additionalPrinterColumns.map((c: any) => [c.name, c.jsonPath])).toEqual([
      ['Replicas', '.status.replicas'],
      ['Ready', '.status.readyReplicas'],
      ['Samplers', '.status.sampler.readyReplicas'],
      ['Spans/s', '.status.autoscaling.spansPerSecond'],
      ['Capacity', '.status.autoscaling.capacity.spansPerSecond'],
      ['Age', '.metadata.creationTimestamp'],
    ]);
  });

  test.each([
    ['.spec.properties.scaling', 'self.minReplicas <= self.maxReplicas'],
    ['.spec.properties.resources', 'quantity(string(self.limits.memory)).compareTo(quantity(string(self.requests.memory))) >= 0'],
    ['.spec.properties.resources', 'quantity(string(self.limits.cpu)).compareTo(quantity(string(self.requests.cpu))) >= 0'],
    ['.spec.properties.exporters', 'self.all(e, self.exists_one(f, f.name == e.name))'],
    ['.spec.properties.tolerations.items', "has(self.key) || (has(self.operator) && self.operator == 'Exists')"],
    ['.spec.properties.tolerations.items', "!has(self.tolerationSeconds) || (has(self.effect) && self.effect == 'NoExecute')"],
  ])('CEL rule on %s: %s', (path, rule) => {
    const node = path
      .split('.')
      .filter(Boolean)
      .reduce((n: any, key) => n[key], version.schema.openAPIV3Schema.properties);
    expect(node['x-kubernetes-validations'].map((v: any) => v.rule).join('\n')).toContain(rule);
  });
});

/** Structural defaulting as the API server does it: a missing field with a default gets it, then recurse. */
function applyDefaults(schema: any, value: any): any {
  if (schema.type === 'object' && schema.properties && value && typeof value === 'object') {
    const out = { ...value };
    for (const [key, child] of Object.entries<any>(schema.properties)) {
      if (out[key] === undefined && child.default !== undefined) out[key] = structuredClone(child.default);
      if (out[key] !== undefined) out[key] = applyDefaults(child, out[key]);
    }
    return out;
  }
  if (schema.type === 'array' && Array.isArray(value)) return value.map((item) => applyDefaults(schema.items, item));
  return value;
}

test.each([
  ['minimal', { exporters: [{ name: 'a', otlp: { endpoint: 'a:4317' } }] }],
  [
    'partial nested objects',
    {
      exporters: [{ name: 'a', otlphttp: { endpoint: 'http://a:4318' }, retryOnFailure: { maxElapsedTime: '60s' } }],
      scaling: { capacityPerReplica: { spansPerSecond: 500 } },
      resources: { limits: { memory: '1Gi' } },
      processors: { sampling: {}, batch: { profile: 'lowLatency' } },
    },
  ],
  [
    'pod fields',
    {
      exporters: [{ name: 'a', otlp: { endpoint: 'a:4317' } }],
      image: 'otel/opentelemetry-collector-contrib:0.161.0',
      args: ['--config=/etc/otelcol/config.yaml'],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', value: 'telemetry', effect: 'NoSchedule' }, { operator: 'Exists' }],
    },
  ],
])('CRD defaults equal zod defaults (%s)', (_name, raw) => {
  const parsed = parseSpec(raw);
  expect(parsed.ok).toBe(true);
  const serverDefaulted = applyDefaults((crdSchema() as any).properties.spec, raw);
  expect(serverDefaulted).toEqual(parsed.ok && parsed.spec);
});
