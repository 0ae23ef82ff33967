import { parsePipeline } from '../../../src/api/telemetry-pipeline.ts';
import { renderFleet } from '../../../src/operator/render/index.ts';
import { TERMINATION_GRACE_PERIOD_SECONDS } from '../../../src/operator/render/defaults.ts';
import { CONFIG_PLACEHOLDER, isLoopbackHost, launchPlan, nonLoopbackEndpoints, type PodSpecLike } from '../../support/pod-launch.ts';

/** A pod as the ReplicaSet controller creates it from the rendered Deployment, Running under KWOK. */
function renderedPod(endpoint = '127.0.0.1:4317'): { pod: PodSpecLike; config: string } {
  const parsed = parsePipeline({
    apiVersion: 'fleet.telemetry.dev/v1alpha1',
    kind: 'TelemetryPipeline',
    metadata: { name: 'shop', namespace: 'ns', uid: 'u-1' },
    spec: { exporters: [{ name: 'sink', otlp: { endpoint, insecure: true } }] },
  });
  if (!parsed.ok) throw new Error('fixture does not parse');
  const fleet = renderFleet(parsed.pipeline, { image: 'tpo:test', replicas: 1 });
  const pod = {
    metadata: { name: 'shop-collector-abc', namespace: 'ns', uid: 'pod-uid' },
    spec: { ...fleet.deployment.spec!.template.spec, nodeName: 'kwok-node-0' },
    status: { phase: 'Running', podIP: '127.1.0.7' },
  } as PodSpecLike;
  return { pod, config: fleet.configMap.data!['config.yaml']! };
}

describe('launchPlan', () => {
  test('a rendered pod runs `tpo collector` with its ConfigMap key, downward-API env and readiness port', () => {
    const result = launchPlan(renderedPod().pod);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.args).toEqual(['collector', '--config', CONFIG_PLACEHOLDER]);
    expect(result.plan.config).toEqual({ configMap: 'shop-collector', key: 'config.yaml' });
    expect(result.plan.env['POD_IP']).toBe('127.1.0.7');
    expect(result.plan.env['NODE_OPTIONS']).toMatch(/^--max-old-space-size=\d+ --max-semi-space-size=2$/);
    expect(result.plan.readiness).toEqual({ port: 13133, path: '/', failureThreshold: 3 });
    expect(result.plan.gracePeriodSeconds).toBe(TERMINATION_GRACE_PERIOD_SECONDS);
  });

  const edit = (change: (pod: PodSpecLike) => void): PodSpecLike => {
    const { pod } = renderedPod();
    change(pod);
    return pod;
  };
  test.each<[string, PodSpecLike, RegExp]>([
    ['a pod IP off loopback', edit((p) => (p.status!.podIP = '192.0.2.10')), /^status.podIP: "192.0.2.10" is not a loopback address/],
    ['another command', edit((p) => (p.spec!.containers![0]!.command = ['otelcol', '--config', '/etc/otelcol/config.yaml'])), /command: "otelcol/],
    ['a config off any mount', edit((p) => (p.spec!.containers![0]!.command = ['tpo', 'collector', '--config', '/tmp/c.yaml'])), /on no volume mount/],
    ['a secret env without a key', edit((p) => p.spec!.containers![0]!.env!.push({ name: 'K', valueFrom: { secretKeyRef: { name: 's' } } })), /env\[2\]\.valueFrom\.secretKeyRef: name and key/],
    ['a ConfigMap env', edit((p) => p.spec!.containers![0]!.env!.push({ name: 'K', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } })), /env\[2\]\.valueFrom: only secretKeyRef/],
    ['two containers', edit((p) => p.spec!.containers!.push({ name: 'sidecar' })), /expected one container, found 2/],
  ])('refuses %s', (_name, pod, error) => {
    const result = launchPlan(pod);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(error);
  });

  test('Secret keys in env are named for the runtime to read at launch, not resolved here', () => {
    const result = launchPlan(edit((p) => p.spec!.containers![0]!.env!.push({ name: 'K', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } })));
    expect(result.ok && result.plan.secretEnv).toEqual([{ name: 'K', secret: 's', key: 'k' }]);
    expect(result.ok && 'K' in result.plan.env).toBe(false);
  });

  test('ConfigMap items map a mounted path to another key; $(VAR) expands earlier env', () => {
    const pod = edit((p) => {
      p.spec!.volumes![0]!.configMap!.items = [{ key: 'collector.yaml', path: 'config.yaml' }];
      p.spec!.containers![0]!.env!.push({ name: 'ENDPOINT', value: '$(POD_IP):4317' });
    });
    const result = launchPlan(pod);
    expect(result.ok && result.plan.config.key).toBe('collector.yaml');
    expect(result.ok && result.plan.env['ENDPOINT']).toBe('127.1.0.7:4317');
  });
});

describe('loopback-only rule', () => {
  test.each([
    ['127.0.0.1', true], ['127.1.2.3', true], ['localhost', true], ['::1', true], ['[::1]', true],
    ['128.0.0.1', false], ['backend.observability.svc', false], ['0.0.0.0', false],
  ])('%s loopback: %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  test('a rendered config exporting to the sink on 127.0.0.1 passes', () => {
    expect(nonLoopbackEndpoints(renderedPod().config)).toEqual([]);
  });

  test('exporters elsewhere (or unknowable) are named', () => {
    const config = `
exporters:
  otlp/a: {endpoint: backend.observability.svc:4317}
  otlphttp/b: {endpoint: "http://127.0.0.1:4318", traces_endpoint: "https://collector.example:4318/v1/traces"}
  otlp/c: {endpoint: "\${env:BACKEND}"}
  debug: {}
`;
    expect(nonLoopbackEndpoints(config)).toEqual([
      'exporters.otlp/a.endpoint: backend.observability.svc:4317',
      'exporters.otlphttp/b.traces_endpoint: https://collector.example:4318/v1/traces',
      'exporters.otlp/c.endpoint: ${env:BACKEND}',
    ]);
    expect(nonLoopbackEndpoints(renderedPod('backend.observability.svc:4317').config)).toEqual(['exporters.otlp/sink.endpoint: backend.observability.svc:4317']);
  });
});
