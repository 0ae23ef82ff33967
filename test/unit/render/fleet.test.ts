import { COLLECTOR_DRAIN_TIMEOUT_SECONDS, fleetObjects, fleetReplicas, renderFleet, selectorString } from '../../../src/operator/render/index.ts';
import { PRE_STOP_DELAY_SECONDS } from '../../../src/operator/render/defaults.ts';
import { BACKEND, pipeline } from './fixtures.ts';

const OPTS = { image: 'registry.example/tpo:1', replicas: 3 };

describe('renderFleet', () => {
  const fleet = renderFleet(pipeline(), OPTS);
  const podSpec = fleet.deployment.spec!.template.spec!;
  const container = podSpec.containers[0]!;

  test('every object is <name>-collector in the namespace, labelled and owned by the pipeline', () => {
    const objects = fleetObjects(fleet) as { kind: string; metadata: any }[];
    expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'ConfigMap', 'Service', 'Deployment', 'PodDisruptionBudget']);
    for (const o of objects) {
      expect(o.metadata.name).toBe('checkout-collector');
      expect(o.metadata.namespace).toBe('shop');
      expect(o.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'otel-collector',
        'app.kubernetes.io/instance': 'checkout',
        'app.kubernetes.io/managed-by': 'telemetry-pipeline-operator',
        'fleet.telemetry.dev/pipeline': 'checkout',
      });
      expect(o.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'fleet.telemetry.dev/v1alpha1',
          kind: 'TelemetryPipeline',
          name: 'checkout',
          uid: '0b6c2a4e-1111-4222-8333-944455556666',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
  });

  test('ConfigMap holds the config whose hash annotates the pod template', () => {
    expect(Object.keys(fleet.configMap.data!)).toEqual(['config.yaml']);
    expect(fleet.configMap.data!['config.yaml']).toContain('limit_mib: 1536');
    expect(fleet.configHash).toMatch(/^[0-9a-f]{16}$/);
    expect(fleet.deployment.spec!.template.metadata!.annotations).toEqual({ 'fleet.telemetry.dev/config-hash': fleet.configHash });
  });

  test('Deployment: replicas, selector, rolling update without unavailability', () => {
    expect(fleet.deployment.spec!.replicas).toBe(3);
    expect(fleet.deployment.spec!.selector).toEqual({
      matchLabels: { 'app.kubernetes.io/name': 'otel-collector', 'fleet.telemetry.dev/pipeline': 'checkout' },
    });
    expect(fleet.deployment.spec!.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } });
  });

  test('a terminating collector keeps serving for the preStop delay; the grace period outlasts delay and drain', () => {
    expect(container.lifecycle).toEqual({ preStop: { sleep: { seconds: PRE_STOP_DELAY_SECONDS } } });
    expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThan(PRE_STOP_DELAY_SECONDS + COLLECTOR_DRAIN_TIMEOUT_SECONDS);
  });

  test('collector container', () => {
    expect(container.image).toBe('registry.example/tpo:1');
    expect(container.command).toEqual(['tpo', 'collector', '--config', '/etc/otelcol/config.yaml']);
    expect(container.env).toEqual([
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'NODE_OPTIONS', value: '--max-old-space-size=1152 --max-semi-space-size=2' },
    ]);
    expect(container.ports!.map((p) => [p.name, p.containerPort])).toEqual([
      ['otlp-grpc', 4317],
      ['otlp-http', 4318],
      ['metrics', 8888],
      ['health', 13133],
    ]);
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe]) expect(probe!.httpGet).toEqual({ path: '/', port: 'health' });
    expect(container.resources).toEqual({ requests: { cpu: '1', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } });
    expect(container.volumeMounts).toEqual([{ name: 'config', mountPath: '/etc/otelcol', readOnly: true }]);
    expect(podSpec.volumes).toEqual([{ name: 'config', configMap: { name: 'checkout-collector' } }]);
  });

  // A throttled collector (a small CPU limit) starts slowly and answers late under load: it is neither killed nor
  // taken out of the Service for that (windows in seconds: period x failureThreshold).
  test.each([
    ['startupProbe', 300, 5],
    ['readinessProbe', 15, 5],
    ['livenessProbe', 60, 5],
  ] as const)('%s: %i s without an answer before it fails, %i s to answer', (kind, windowSeconds, timeoutSeconds) => {
    const probe = container[kind]!;
    expect(probe.periodSeconds! * probe.failureThreshold!).toBe(windowSeconds);
    expect(probe.timeoutSeconds).toBe(timeoutSeconds);
  });

  test('non-root, read-only root filesystem, no privileges, no API token', () => {
    expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect(podSpec.serviceAccountName).toBe('checkout-collector');
    expect(fleet.serviceAccount.automountServiceAccountToken).toBe(false);
  });

  test('Service exposes OTLP gRPC and HTTP; PDB allows one disruption', () => {
    expect(fleet.service.spec!.ports!.map((p) => [p.name, p.port, p.targetPort])).toEqual([
      ['otlp-grpc', 4317, 'otlp-grpc'],
      ['otlp-http', 4318, 'otlp-http'],
    ]);
    expect(fleet.service.spec!.selector).toEqual(fleet.deployment.spec!.selector.matchLabels);
    expect(fleet.podDisruptionBudget.spec).toEqual({ maxUnavailable: 1, selector: fleet.deployment.spec!.selector });
  });
});

describe('what changes the config hash and the pod template', () => {
  const base = renderFleet(pipeline(), OPTS);

  test.each<[string, ReturnType<typeof pipeline>, typeof OPTS]>([
    ['a label on the pipeline', pipeline({}, { labels: { team: 'payments' } }), OPTS],
    ['an annotation on the pipeline', pipeline({}, { annotations: { note: 'x' } }), OPTS],
    ['a new resourceVersion and generation', pipeline({}, { resourceVersion: '42', generation: 7 }), OPTS],
    ['the scaling settings', pipeline({ scaling: { maxReplicas: 50, targetUtilization: 0.5 } }), OPTS],
  ])('%s changes neither the hash nor the pod template', (_name, changed, opts) => {
    const fleet = renderFleet(changed, opts);
    expect(fleet.configHash).toBe(base.configHash);
    expect(fleet.deployment.spec!.template).toEqual(base.deployment.spec!.template);
    expect(fleet.configMap).toEqual(base.configMap);
  });

  test('replicas change the Deployment replicas only', () => {
    const fleet = renderFleet(pipeline(), { ...OPTS, replicas: 7 });
    expect(fleet.deployment.spec!.replicas).toBe(7);
    expect(fleet.deployment.spec!.template).toEqual(base.deployment.spec!.template);
  });

  test.each<[string, Record<string, unknown>]>([
    ['the batch profile', { processors: { batch: { profile: 'lowLatency' } } }],
    ['the memory limit', { resources: { limits: { memory: '4Gi' } } }],
    ['an exporter endpoint', { exporters: [{ ...BACKEND, otlp: { endpoint: 'other.observability.svc:4317' } }] }],
    ['the signals', { signals: ['traces'] }],
  ])('%s changes the hash', (_name, spec) => {
    expect(renderFleet(pipeline(spec), OPTS).configHash).not.toBe(base.configHash);
  });

  test('the hash does not depend on the key order of user maps', () => {
    const headers = (entries: [string, string][]) =>
      pipeline({ exporters: [{ ...BACKEND, otlp: { ...BACKEND.otlp, headers: Object.fromEntries(entries) } }] });
    const a = renderFleet(headers([['a', '1'], ['b', '2']]), OPTS);
    const b = renderFleet(headers([['b', '2'], ['a', '1']]), OPTS);
    expect(a.configHash).toBe(b.configHash);
  });
});

test('spec.image wins over the default image', () => {
  const fleet = renderFleet(pipeline({ image: 'otel/opentelemetry-collector:0.140.0' }), OPTS);
  expect(fleet.deployment.spec!.template.spec!.containers[0]!.image).toBe('otel/opentelemetry-collector:0.140.0');
});

test('without a uid (a file, not yet created) objects carry no owner reference and no namespace when none given', () => {
  const fleet = renderFleet(pipeline({}, { uid: undefined, namespace: undefined }), OPTS);
  expect(fleet.deployment.metadata).not.toHaveProperty('ownerReferences');
  expect(fleet.deployment.metadata).not.toHaveProperty('namespace');
});

test('a disabled HTTP receiver has no Service or container port', () => {
  const fleet = renderFleet(pipeline({ receivers: { otlp: { http: { enabled: false } } } }), OPTS);
  expect(fleet.service.spec!.ports!.map((p) => p.name)).toEqual(['otlp-grpc']);
  expect(fleet.deployment.spec!.template.spec!.containers[0]!.ports!.map((p) => p.name)).toEqual(['otlp-grpc', 'metrics', 'health']);
});

describe('fleetReplicas: spec.replicas is the one count; status is never read', () => {
  const spec = (enabled: boolean, replicas: number, minReplicas = 2, maxReplicas = 10) => ({ replicas, scaling: { enabled, minReplicas, maxReplicas } });
  test.each<[string, ReturnType<typeof spec>, number]>([
    ['scaling off: spec.replicas as set by kubectl scale, an HPA or KEDA', spec(false, 7), 7],
    ['scaling off: zero is allowed', spec(false, 0), 0],
    ['scaling off: outside the scaling bounds is fine', spec(false, 40, 2, 10), 40],
    ['scaling on: the count the autoscaler wrote', spec(true, 6), 6],
    ['scaling on: above a lowered maximum is clamped at once', spec(true, 6, 2, 5), 5],
    ['scaling on: below a raised minimum is clamped at once', spec(true, 1, 3, 10), 3],
  ])('%s', (_name, s, expected) => {
    expect(fleetReplicas(s)).toBe(expected);
  });

  test('the Deployment carries it, and a status with another count changes nothing', () => {
    const p = pipeline({ replicas: 5, scaling: { minReplicas: 2 } });
    const withStatus = { ...p, status: { replicas: 9, autoscaling: { desiredReplicas: 9 } } };
    expect(renderFleet(withStatus, { image: OPTS.image }).deployment.spec!.replicas).toBe(5);
  });
});

test('selectorString matches the Deployment selector', () => {
  expect(selectorString('checkout')).toBe('app.kubernetes.io/name=otel-collector,fleet.telemetry.dev/pipeline=checkout');
});

describe('headers from Secrets', () => {
  const withSecretHeaders = (otlp: Record<string, unknown>) => pipeline({ exporters: [{ ...BACKEND, name: 'eu-backend', otlp: { ...BACKEND.otlp, ...otlp } }] });
  const apiKey = { name: 'x-api-key', secretKeyRef: { name: 'backend-credentials', key: 'api-key' } };

  test('the config names an env variable, the container fills it from the Secret, the ConfigMap holds no value', () => {
    const fleet = renderFleet(withSecretHeaders({ headers: { 'x-tenant': 'shop' }, headersFrom: [apiKey] }), OPTS);
    expect(fleet.collectorConfig.exporters['otlp/eu-backend']).toMatchObject({
      headers: { 'x-tenant': 'shop', 'x-api-key': '${env:TPO_EXPORTER_EU_BACKEND_HEADER_0}' },
    });
    expect(fleet.deployment.spec!.template.spec!.containers[0]!.env).toContainEqual({
      name: 'TPO_EXPORTER_EU_BACKEND_HEADER_0',
      valueFrom: { secretKeyRef: { name: 'backend-credentials', key: 'api-key' } },
    });
    expect(JSON.stringify(fleet.configMap)).not.toContain('backend-credentials');
  });

  test('adding a Secret header rolls the pods (new config hash)', () => {
    const before = renderFleet(withSecretHeaders({}), OPTS);
    const after = renderFleet(withSecretHeaders({ headersFrom: [apiKey] }), OPTS);
    expect(after.configHash).not.toBe(before.configHash);
  });
});
