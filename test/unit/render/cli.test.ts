import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { crdYaml } from '../../../src/api/crd.ts';
import { crdCommand, renderCommand, type CommandIo } from '../../../src/operator/cli-render.ts';

const SAMPLES = ['low-latency', 'balanced', 'high-throughput'];
const samplePath = (name: string) => fileURLToPath(new URL(`../../../manifests/samples/${name}.yaml`, import.meta.url));

function run(command: (args: string[], io: CommandIo) => number, args: string[], files: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CommandIo = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readFile: (path) => files[path] ?? readFileSync(path, 'utf8'),
  };
  const code = command(args, io);
  return { code, stdout, stderr };
}

function docs(yaml: string): any[] {
  return parseAllDocuments(yaml).map((d) => d.toJS());
}

const pipelineYaml = (spec: string) => `apiVersion: fleet.telemetry.dev/v1alpha1
kind: TelemetryPipeline
metadata: {name: demo}
spec:
${spec}`;
const EXPORTERS = '  exporters: [{name: backend, otlp: {endpoint: "backend.observability.svc:4317", insecure: true}}]\n';

test.each(SAMPLES)('sample %s renders the five objects', (name) => {
  const { code, stdout, stderr } = run(renderCommand, ['-f', samplePath(name)]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const objects = docs(stdout);
  expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'ConfigMap', 'Service', 'Deployment', 'PodDisruptionBudget']);
  expect(objects.every((o) => o.metadata.name === `${name}-collector`)).toBe(true);
});

test.each<[string, string]>([
  ['low-latency', 'timeout: 1s'],
  ['balanced', 'send_batch_size: 8192'],
  ['high-throughput', 'send_batch_max_size: 20000'],
])('sample %s uses its batch profile', (name, line) => {
  const configMap = docs(run(renderCommand, ['-f', samplePath(name)]).stdout)[1];
  expect(configMap.data['config.yaml']).toContain(line);
});

test('several pipelines in one file, from stdin', () => {
  const text = `${pipelineYaml(EXPORTERS)}---\n${pipelineYaml(EXPORTERS).replace('name: demo', 'name: other')}`;
  const { code, stdout } = run(renderCommand, ['-f', '-'], { '-': text });
  expect(code).toBe(0);
  expect(docs(stdout).map((o) => `${o.kind}/${o.metadata.name}`)).toHaveLength(10);
});

test.each<[string, string[], number]>([
  ['default: minReplicas', [], 3],
  ['--replicas', ['--replicas', '7'], 7],
])('Deployment replicas, %s', (_name, extra, replicas) => {
  const { stdout } = run(renderCommand, ['-f', 'p.yaml', ...extra], { 'p.yaml': pipelineYaml(EXPORTERS) });
  expect(docs(stdout)[3].spec.replicas).toBe(replicas);
});

test('--image sets the collector image', () => {
  const { stdout } = run(renderCommand, ['-f', 'p.yaml', '--image', 'example/tpo:dev'], { 'p.yaml': pipelineYaml(EXPORTERS) });
  expect(docs(stdout)[3].spec.template.spec.containers[0].image).toBe('example/tpo:dev');
});

test.each<[string, string, RegExp]>([
  ['schema violation', `${EXPORTERS}  scaling: {minReplicas: 9, maxReplicas: 4}\n`, /document 1: spec\.scaling\.minReplicas: minReplicas must not exceed maxReplicas/],
  ['unknown field', `${EXPORTERS}  replica: 2\n`, /spec\.replica: unknown field/],
  ['an endpoint that is not host:port', '  exporters: [{name: backend, otlp: {endpoint: backend}}]\n', /document 1: spec\.exporters\[0\]\.otlp\.endpoint: must be host:port/],
  ['YAML syntax', `${EXPORTERS}  scaling: {minReplicas: [\n`, /document 1: /],
])('%s: exit 1 with the field path, nothing on stdout', (_name, spec, message) => {
  const { code, stdout, stderr } = run(renderCommand, ['-f', 'p.yaml'], { 'p.yaml': pipelineYaml(spec) });
  expect(code).toBe(1);
  expect(stdout).toBe('');
  expect(stderr).toMatch(message);
});

test.each<[string, string[], RegExp]>([
  ['missing -f', [], /needs -f/],
  ['unknown option', ['-f', 'x', '--bogus'], /bogus/],
  ['bad replicas', ['-f', 'x', '--replicas', 'two'], /--replicas must be a whole number/],
])('usage error %s: exit 2', (_name, args, message) => {
  const { code, stderr } = run(renderCommand, args);
  expect(code).toBe(2);
  expect(stderr).toMatch(message);
});

test('unreadable or empty files exit 1', () => {
  expect(run(renderCommand, ['-f', '/nonexistent/p.yaml']).code).toBe(1);
  expect(run(renderCommand, ['-f', 'e.yaml'], { 'e.yaml': '' }).stderr).toMatch(/no TelemetryPipeline/);
});

test('tpo crd prints the generated CRD', () => {
  expect(run(crdCommand, [])).toEqual({ code: 0, stdout: crdYaml(), stderr: '' });
  expect(run(crdCommand, ['extra']).code).toBe(2);
});
