// Secrets named for TLS and bearer tokens -> read-only Secret volumes, and config blocks pointing at their files
// that our collector accepts (the conformance suite checks upstream's validate on the same render).
import { loadConfigTexts } from '../../../src/collector/config/load.ts';
import { validateConfig } from '../../../src/collector/config/validate.ts';
import { defaultFactories } from '../../../src/collector/registry.ts';
import { renderFleet } from '../../../src/operator/render/index.ts';
import { pipeline } from './fixtures.ts';

const secured = pipeline({
  receivers: { otlp: { tls: { certificateSecret: { name: 'collector-tls' }, clientCASecret: { name: 'clients-ca' }, minVersion: '1.3' }, auth: { bearerTokenSecret: { name: 'otlp-token' } } } },
  exporters: [
    { name: 'backend', otlp: { endpoint: 'backend.observability.svc:4317', tls: { caSecret: { name: 'collector-tls' }, certificateSecret: { name: 'backend-client' } }, auth: { bearerTokenSecret: { name: 'backend-token', key: 'value' } } } },
    { name: 'archive', otlphttp: { endpoint: 'https://archive.observability.svc:4318', tls: { insecureSkipVerify: true } } },
  ],
});

const fleet = renderFleet(secured, { image: 'x', replicas: 1 });
const pod = fleet.deployment.spec!.template.spec!;
const DIR = '/etc/otelcol-secrets';

test('each Secret once, as a read-only volume in the collector container, by name (the operator never reads them)', () => {
  expect(pod.volumes!.filter((v) => v.secret)).toEqual([
    { name: 'secret-0', secret: { secretName: 'backend-client' } },
    { name: 'secret-1', secret: { secretName: 'backend-token' } },
    { name: 'secret-2', secret: { secretName: 'clients-ca' } },
    { name: 'secret-3', secret: { secretName: 'collector-tls' } },
    { name: 'secret-4', secret: { secretName: 'otlp-token' } },
  ]);
  expect(pod.containers[0]!.volumeMounts!.filter((m) => m.name.startsWith('secret-'))).toEqual([
    { name: 'secret-0', mountPath: `${DIR}/backend-client`, readOnly: true },
    { name: 'secret-1', mountPath: `${DIR}/backend-token`, readOnly: true },
    { name: 'secret-2', mountPath: `${DIR}/clients-ca`, readOnly: true },
    { name: 'secret-3', mountPath: `${DIR}/collector-tls`, readOnly: true },
    { name: 'secret-4', mountPath: `${DIR}/otlp-token`, readOnly: true },
  ]);
  expect(JSON.stringify(pod.containers[0]!.env)).not.toContain('secretKeyRef');
});

test('both listeners: TLS with client certificates, reloaded, and the receivers\' bearertokenauth', () => {
  const tls = {
    cert_file: `${DIR}/collector-tls/tls.crt`, key_file: `${DIR}/collector-tls/tls.key`,
    client_ca_file: `${DIR}/clients-ca/ca.crt`, client_ca_file_reload: true, min_version: '1.3', reload_interval: '30s',
  };
  const { grpc, http } = fleet.collectorConfig.receivers.otlp.protocols;
  expect(grpc).toMatchObject({ tls, auth: { authenticator: 'bearertokenauth/otlp' } });
  expect(http).toMatchObject({ tls, auth: { authenticator: 'bearertokenauth/otlp' } });
  expect(fleet.collectorConfig.extensions).toEqual({
    health_check: { endpoint: '${env:POD_IP}:13133' },
    'bearertokenauth/otlp': { filename: `${DIR}/otlp-token/token` },
    'bearertokenauth/exporter-backend': { filename: `${DIR}/backend-token/value` },
  });
  expect(fleet.collectorConfig.service.extensions).toEqual(['health_check', 'bearertokenauth/otlp', 'bearertokenauth/exporter-backend']);
});

test('exporters: CA, client certificate, skip-verify and their authenticator', () => {
  expect(fleet.collectorConfig.exporters['otlp/backend']).toMatchObject({
    tls: {
      insecure: false, ca_file: `${DIR}/collector-tls/ca.crt`, cert_file: `${DIR}/backend-client/tls.crt`, key_file: `${DIR}/backend-client/tls.key`,
      reload_interval: '30s',
    },
    auth: { authenticator: 'bearertokenauth/exporter-backend' },
  });
  expect(fleet.collectorConfig.exporters['otlphttp/archive']).toMatchObject({ tls: { insecure: false, insecure_skip_verify: true } });
  expect(fleet.collectorConfig.exporters['otlphttp/archive']).not.toHaveProperty('auth');
});

test('without TLS or auth nothing is mounted or added', () => {
  const plain = renderFleet(pipeline(), { image: 'x', replicas: 1 });
  expect(plain.deployment.spec!.template.spec!.volumes).toEqual([{ name: 'config', configMap: { name: expect.any(String) } }]);
  expect(plain.collectorConfig.service.extensions).toEqual(['health_check']);
  expect(plain.collectorConfig.receivers.otlp.protocols.grpc).not.toHaveProperty('tls');
});

test('our collector accepts the rendered config', () => {
  const raw = loadConfigTexts([{ text: fleet.configMap.data!['config.yaml']!, source: 'configmap' }], { POD_IP: '127.1.0.5' });
  expect(raw.issues).toEqual([]);
  expect(validateConfig(raw.expansion.value, defaultFactories, raw.expansion.originals).issues).toEqual([]);
});

test('basic auth: the listeners\' basicauth reads the htpasswd file, an exporter\'s reads username and password files', () => {
  const basic = renderFleet(pipeline({
    receivers: { otlp: { auth: { htpasswdSecret: { name: 'otlp-users' } } } },
    exporters: [{ name: 'backend', otlp: { endpoint: 'backend.observability.svc:4317', auth: { basicAuthSecret: { name: 'backend-creds' } } } }],
  }), { image: 'x', replicas: 1 });
  expect(basic.collectorConfig.receivers.otlp.protocols.grpc).toMatchObject({ auth: { authenticator: 'basicauth/otlp' } });
  expect(basic.collectorConfig.exporters['otlp/backend']).toMatchObject({ auth: { authenticator: 'basicauth/exporter-backend' } });
  expect(basic.collectorConfig.extensions).toEqual({
    health_check: { endpoint: '${env:POD_IP}:13133' },
    'basicauth/otlp': { htpasswd: { file: `${DIR}/otlp-users/htpasswd` } },
    'basicauth/exporter-backend': { client_auth: { username_file: `${DIR}/backend-creds/username`, password_file: `${DIR}/backend-creds/password` } },
  });
  expect(basic.deployment.spec!.template.spec!.volumes!.filter((v) => v.secret).map((v) => v.secret!.secretName)).toEqual(['backend-creds', 'otlp-users']);
  const raw = loadConfigTexts([{ text: basic.configMap.data!['config.yaml']!, source: 'configmap' }], { POD_IP: '127.1.0.5' });
  expect(validateConfig(raw.expansion.value, defaultFactories, raw.expansion.originals).issues).toEqual([]);
});
