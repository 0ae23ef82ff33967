// spec.persistence rendering: the file_storage config, the StatefulSet in place of the Deployment, and drain Jobs.
import { renderCollectorConfig } from '../../../src/operator/render/collector-config.ts';
import { drainJobName, fleetObjects, fleetWorkload, queueClaimName, queueClaimOrdinal, renderFleet } from '../../../src/operator/render/index.ts';
import { memorySizing } from '../../../src/operator/render/memory.ts';
import { parseSpec } from '../../../src/api/telemetry-pipeline.ts';
import { BACKEND, pipeline } from './fixtures.ts';

const OPTS = { image: 'registry.example/tpo:1', replicas: 3 };
const CLAIM = { volumeClaim: { size: '2Gi', storageClassName: 'local-queues' } };
const ARCHIVE = { name: 'archive', otlphttp: { endpoint: 'http://archive.observability.svc:4318' } };

describe('collector config with persistence', () => {
  test.each<[string, Record<string, unknown>]>([
    ['a claim per replica', CLAIM],
    ['an emptyDir', { emptyDir: {} }],
  ])('%s: file_storage/queue, in service.extensions, named by every exporter queue', (_name, persistence) => {
    const p = pipeline({ persistence, exporters: [BACKEND, ARCHIVE] });
    const c = renderCollectorConfig(p.spec, memorySizing(p.spec));
    expect(c.extensions['file_storage/queue']).toEqual({ directory: '/var/lib/otelcol/file_storage', create_directory: true });
    expect(c.service.extensions).toEqual(['health_check', 'file_storage/queue']);
    for (const id of ['otlp/backend', 'otlphttp/archive']) {
      expect(c.exporters[id]!.sending_queue).toEqual({ enabled: true, num_consumers: 10, queue_size: 10000, storage: 'file_storage/queue' });
    }
  });

  test('without persistence nothing of it appears', () => {
    const p = pipeline({ exporters: [BACKEND, ARCHIVE] });
    const c = renderCollectorConfig(p.spec, memorySizing(p.spec));
    expect(JSON.stringify(c)).not.toMatch(/storage/);
  });
});

describe('the StatefulSet', () => {
  const plain = renderFleet(pipeline(), OPTS);
  const fleet = renderFleet(pipeline({ persistence: CLAIM }), OPTS);
  const sts = fleet.statefulSet!;

  test('replaces the Deployment among the applied objects', () => {
    expect(plain.statefulSet).toBeUndefined();
    expect(fleetWorkload(plain)).toBe(plain.deployment);
    expect((fleetObjects(fleet) as { kind: string }[]).map((o) => o.kind)).toEqual(['ServiceAccount', 'ConfigMap', 'Service', 'StatefulSet', 'PodDisruptionBudget']);
    expect(fleetWorkload(fleet)).toBe(sts);
  });

  test('same metadata, selector, replicas and the same pod template as the Deployment, plus the queue volume', () => {
    expect(sts.metadata).toEqual(fleet.deployment.metadata);
    expect(sts.spec!.selector).toEqual(fleet.deployment.spec!.selector);
    expect(fleet.podDisruptionBudget.spec!.selector).toEqual(sts.spec!.selector);
    expect(sts.spec!.replicas).toBe(3);
    const template = sts.spec!.template;
    const base = fleet.deployment.spec!.template;
    expect(template.metadata).toEqual(base.metadata);
    const { securityContext, containers, volumes, ...rest } = template.spec!;
    const { securityContext: baseSecurity, containers: baseContainers, volumes: baseVolumes, ...baseRest } = base.spec!;
    expect(rest).toEqual(baseRest);
    expect(securityContext).toEqual({ ...baseSecurity, fsGroup: 10001 });
    expect(volumes).toEqual(baseVolumes);
    const { volumeMounts, ...container } = containers[0]!;
    const { volumeMounts: baseMounts, ...baseContainer } = baseContainers[0]!;
    expect(container).toEqual(baseContainer);
    expect(volumeMounts).toEqual([...baseMounts!, { name: 'queue', mountPath: '/var/lib/otelcol/file_storage' }]);
  });

  test('parallel pods, claims retained on scale-in and deleted with the fleet, one claim template', () => {
    expect(sts.spec).toMatchObject({
      serviceName: 'checkout-collector',
      podManagementPolicy: 'Parallel',
      persistentVolumeClaimRetentionPolicy: { whenScaled: 'Retain', whenDeleted: 'Delete' },
    });
    expect(sts.spec!.volumeClaimTemplates).toEqual([
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'queue', labels: fleet.deployment.metadata!.labels },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local-queues', resources: { requests: { storage: '2Gi' } } },
      },
    ]);
  });

  test('an emptyDir is a pod volume, with its size limit, and no claim template', () => {
    const f = renderFleet(pipeline({ persistence: { emptyDir: { sizeLimit: '512Mi' } } }), OPTS);
    expect(f.statefulSet!.spec!.volumeClaimTemplates).toBeUndefined();
    expect(f.statefulSet!.spec!.template.spec!.volumes!.at(-1)).toEqual({ name: 'queue', emptyDir: { sizeLimit: '512Mi' } });
    expect(renderFleet(pipeline({ persistence: { emptyDir: {} } }), OPTS).statefulSet!.spec!.template.spec!.volumes!.at(-1)).toEqual({ name: 'queue', emptyDir: {} });
    expect(f.drainJob).toBeUndefined();
  });

  test('persistence changes the config hash (the queues move), not the pod labels', () => {
    expect(fleet.configHash).not.toBe(plain.configHash);
    expect(sts.spec!.template.metadata!.labels).toEqual(plain.deployment.spec!.template.metadata!.labels);
  });
});

describe('drain Jobs', () => {
  const fleet = renderFleet(pipeline({ persistence: CLAIM }), OPTS);
  const job = fleet.drainJob!(2)!;
  const pod = job.spec!.template.spec!;
  const sts = fleet.statefulSet!.spec!.template.spec!;

  test('named after the ordinal, owned by the pipeline, never selected by the Service', () => {
    expect(job.metadata!.name).toBe('checkout-collector-drain-2');
    expect(drainJobName('checkout', 2)).toBe(job.metadata!.name);
    expect(job.metadata!.ownerReferences).toEqual(fleet.deployment.metadata!.ownerReferences);
    const selector = fleet.service.spec!.selector!;
    const labels = job.spec!.template.metadata!.labels!;
    expect(Object.entries(selector).every(([k, v]) => labels[k] === v)).toBe(false);
    expect(labels['fleet.telemetry.dev/drain-ordinal']).toBe('2');
    expect(labels['app.kubernetes.io/managed-by']).toBe('telemetry-pipeline-operator');
  });

  test('the fleet image, config, Secrets and env on the ordinal\'s claim, running the drain command', () => {
    const c = pod.containers[0]!;
    expect(c.image).toBe('registry.example/tpo:1');
    expect(c.command).toEqual(['tpo', 'collector', '--config', '/etc/otelcol/config.yaml', '--drain-persistent-queues', '--drain-timeout', '10m']);
    expect(c.args).toBeUndefined();
    expect(c.env).toEqual(sts.containers[0]!.env);
    expect(c.volumeMounts).toEqual(sts.containers[0]!.volumeMounts);
    expect(c.ports).toBeUndefined();
    expect([c.startupProbe, c.readinessProbe, c.livenessProbe]).toEqual([undefined, undefined, undefined]);
    expect(c.lifecycle).toBeUndefined();
    expect(pod.volumes).toEqual([...sts.volumes!, { name: 'queue', persistentVolumeClaim: { claimName: 'queue-checkout-collector-2' } }]);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.securityContext).toEqual(sts.securityContext);
    expect(job.spec!.backoffLimit).toBeGreaterThan(0);
  });

  test('another image cannot drain: no Job', () => {
    const upstream = renderFleet(pipeline({ persistence: CLAIM, image: 'otel/opentelemetry-collector-contrib:0.161.0' }), OPTS);
    expect(upstream.drainJob!(0)).toBeUndefined();
  });

  test.each<[string, number | undefined]>([
    ['queue-checkout-collector-0', 0],
    ['queue-checkout-collector-12', 12],
    ['queue-checkout-collector-012', undefined],
    ['queue-checkout-collector-', undefined],
    ['queue-checkout-collector-1x', undefined],
    ['queue-checkout-canary-collector-1', undefined],
    ['data-checkout-collector-1', undefined],
  ])('claim %s has ordinal %s', (name, ordinal) => {
    expect(queueClaimOrdinal('checkout', name)).toBe(ordinal);
    if (ordinal !== undefined) expect(queueClaimName('checkout', ordinal)).toBe(name);
  });
});

describe('spec.persistence validation', () => {
  const spec = (persistence: unknown) => parseSpec({ exporters: [BACKEND], persistence });

  test.each<[string, unknown, string]>([
    ['both modes', { volumeClaim: { size: '1Gi' }, emptyDir: {} }, 'spec.persistence: set exactly one of volumeClaim and emptyDir'],
    ['neither', {}, 'spec.persistence: set exactly one of volumeClaim and emptyDir'],
    ['no size', { volumeClaim: {} }, 'spec.persistence.volumeClaim.size'],
    ['a zero size', { volumeClaim: { size: '0' } }, 'spec.persistence.volumeClaim.size: size must be greater than 0'],
    ['a size that is no quantity', { volumeClaim: { size: 'lots' } }, 'spec.persistence.volumeClaim.size'],
    ['a bad class name', { volumeClaim: { size: '1Gi', storageClassName: 'Fast_SSD' } }, 'spec.persistence.volumeClaim.storageClassName'],
    ['ReadOnlyMany', { volumeClaim: { size: '1Gi', accessModes: ['ReadOnlyMany'] } }, 'spec.persistence.volumeClaim.accessModes[0]'],
    ['repeated modes', { volumeClaim: { size: '1Gi', accessModes: ['ReadWriteOnce', 'ReadWriteOnce'] } }, 'spec.persistence.volumeClaim.accessModes: accessModes must not repeat'],
    ['an unknown field', { volumeClaim: { size: '1Gi', selector: {} } }, 'spec.persistence.volumeClaim.selector: unknown field'],
    ['a bad sizeLimit', { emptyDir: { sizeLimit: '1 GB' } }, 'spec.persistence.emptyDir.sizeLimit'],
  ])('refuses %s', (_name, persistence, message) => {
    const result = spec(persistence);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => `${i.path}: ${i.message}`).join('\n')).toContain(message);
  });

  test('accepts a claim with defaults, and an emptyDir', () => {
    const claim = spec({ volumeClaim: { size: '1Gi' } });
    expect(claim.ok && claim.spec.persistence).toEqual({ volumeClaim: { size: '1Gi', accessModes: ['ReadWriteOnce'] } });
    expect(spec({ emptyDir: {} }).ok).toBe(true);
  });
});
