// The collector pod's command line, Node-only env and placement as spec.image, command, args, nodeSelector and
// tolerations decide them.
import { renderFleet } from '../../../src/operator/render/index.ts';
import { pipeline } from './fixtures.ts';

const OPTS = { image: 'registry.example/tpo:1', replicas: 3 };
const UPSTREAM = 'otel/opentelemetry-collector-contrib:0.161.0';

function podSpec(spec: Record<string, unknown>) {
  return renderFleet(pipeline(spec), OPTS).deployment.spec!.template.spec!;
}

function collector(spec: Record<string, unknown>) {
  return podSpec(spec).containers[0]!;
}

describe('command line', () => {
  test.each<[string, Record<string, unknown>, { command?: string[]; args?: string[] }]>([
    ['our image: tpo collector with the config file', {}, { command: ['tpo', 'collector', '--config', '/etc/otelcol/config.yaml'] }],
    ['another image: its own entrypoint with --config=FILE', { image: UPSTREAM }, { args: ['--config=/etc/otelcol/config.yaml'] }],
    [
      'command and args verbatim on another image',
      { image: UPSTREAM, command: ['/otelcol-contrib'], args: ['--config', '/etc/otelcol/config.yaml', '--feature-gates=-a.b'] },
      { command: ['/otelcol-contrib'], args: ['--config', '/etc/otelcol/config.yaml', '--feature-gates=-a.b'] },
    ],
    ['args only: the image entrypoint runs them, nothing added', { image: UPSTREAM, args: ['--config=/etc/otelcol/config.yaml', '--set=service.telemetry.logs.level=debug'] }, { args: ['--config=/etc/otelcol/config.yaml', '--set=service.telemetry.logs.level=debug'] }],
    ['command only: no args added', { image: UPSTREAM, command: ['/otelcol', '--config=/etc/otelcol/config.yaml'] }, { command: ['/otelcol', '--config=/etc/otelcol/config.yaml'] }],
    ['command on our image replaces tpo collector', { command: ['tpo', 'collector', '--config', '/etc/otelcol/config.yaml', '--drain-timeout', '10s'] }, { command: ['tpo', 'collector', '--config', '/etc/otelcol/config.yaml', '--drain-timeout', '10s'] }],
    ['args only on our image go to its entrypoint', { args: ['collector', '--config', '/etc/otelcol/config.yaml'] }, { args: ['collector', '--config', '/etc/otelcol/config.yaml'] }],
    ['empty lists are kept: the image CMD runs', { image: UPSTREAM, command: [], args: [] }, { command: [], args: [] }],
  ])('%s', (_name, spec, expected) => {
    const container = collector(spec);
    expect({ command: container.command, args: container.args }).toEqual({ command: undefined, args: undefined, ...expected });
  });
});

test.each<[string, Record<string, unknown>, string[]]>([
  ['our image gets the V8 heap cap', {}, ['POD_IP', 'NODE_OPTIONS']],
  ['our image with its own command still does', { command: ['tpo', 'collector', '--config', '/etc/otelcol/config.yaml'] }, ['POD_IP', 'NODE_OPTIONS']],
  ['another image does not', { image: UPSTREAM }, ['POD_IP']],
])('env: %s', (_name, spec, names) => {
  expect(collector(spec).env!.map((e) => e.name)).toEqual(names);
});

test('an upstream image runs the same ConfigMap, mounted at the path its args name', () => {
  const container = collector({ image: UPSTREAM });
  expect(container.image).toBe(UPSTREAM);
  expect(container.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/otelcol', readOnly: true }]);
  expect(renderFleet(pipeline({ image: UPSTREAM }), OPTS).configMap).toEqual(renderFleet(pipeline(), OPTS).configMap);
});

describe('placement', () => {
  test('without nodeSelector and tolerations the pod template has neither', () => {
    expect(podSpec({})).not.toHaveProperty('nodeSelector');
    expect(podSpec({})).not.toHaveProperty('tolerations');
  });

  test('nodeSelector and tolerations reach the pod template as given, operator defaulted', () => {
    const spec = podSpec({
      nodeSelector: { 'kubernetes.io/os': 'linux', 'node.example.com/pool': 'telemetry' },
      tolerations: [
        { key: 'dedicated', value: 'telemetry', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      ],
    });
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'node.example.com/pool': 'telemetry' });
    expect(spec.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'telemetry', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
    ]);
  });

  test('placement changes the pod template, not the config hash', () => {
    const base = renderFleet(pipeline(), OPTS);
    const placed = renderFleet(pipeline({ nodeSelector: { pool: 'telemetry' } }), OPTS);
    expect(placed.configHash).toBe(base.configHash);
    expect(placed.deployment.spec!.template).not.toEqual(base.deployment.spec!.template);
  });
});
