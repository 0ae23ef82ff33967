// spec.receivers.otlp.tls / .auth and exporters' tls / auth: Secrets by name, defaults, and refusals with field paths.
import { parseSpec } from '../../../src/api/telemetry-pipeline.ts';

const BACKEND = { name: 'b', otlp: { endpoint: 'backend:4317' } };

function issuesOf(raw: unknown) {
  const result = parseSpec(raw);
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

test('defaults: keys tls.crt/tls.key by the Secret type, ca.crt and token by default, TLS 1.2', () => {
  const result = parseSpec({
    receivers: { otlp: { tls: { certificateSecret: { name: 'c' }, clientCASecret: { name: 'ca' } }, auth: { bearerTokenSecret: { name: 't' } } } },
    exporters: [{ name: 'b', otlp: { endpoint: 'backend:4317', tls: { caSecret: { name: 'ca' } }, auth: { bearerTokenSecret: { name: 't', key: 'k' } } } }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  expect(result.spec.receivers.otlp.tls).toEqual({ certificateSecret: { name: 'c' }, clientCASecret: { name: 'ca', key: 'ca.crt' }, minVersion: '1.2' });
  expect(result.spec.receivers.otlp.auth).toEqual({ bearerTokenSecret: { name: 't', key: 'token' } });
  expect(result.spec.exporters[0]!.otlp!.tls).toEqual({ caSecret: { name: 'ca', key: 'ca.crt' }, insecureSkipVerify: false });
});

test.each<[string, object, string[]]>([
  ['a receiver tls without a certificate', { receivers: { otlp: { tls: {} } }, exporters: [BACKEND] },
    ['spec.receivers.otlp.tls.certificateSecret: Invalid input: expected object, received undefined']],
  ['a Secret name that is no name', { receivers: { otlp: { tls: { certificateSecret: { name: 'My_Secret' } } } }, exporters: [BACKEND] },
    ['spec.receivers.otlp.tls.certificateSecret.name: must be a Secret name: lower-case letters, digits, "-" and "."']],
  ['a Secret key with a slash', { receivers: { otlp: { auth: { bearerTokenSecret: { name: 't', key: 'a/b' } } } }, exporters: [BACKEND] },
    ['spec.receivers.otlp.auth.bearerTokenSecret.key: must be a Secret key: letters, digits, "-", "_" and "."']],
  ['TLS 1.1', { receivers: { otlp: { tls: { certificateSecret: { name: 'c' }, minVersion: '1.1' } } }, exporters: [BACKEND] },
    ['spec.receivers.otlp.tls.minVersion: Invalid option: expected one of "1.2"|"1.3"']],
  ['an unknown auth kind', { receivers: { otlp: { auth: { basic: { name: 'x' } } } }, exporters: [BACKEND] },
    expect.arrayContaining([expect.stringMatching(/^spec\.receivers\.otlp\.auth/)]) as unknown as string[]],
  ['insecure with tls', { exporters: [{ name: 'b', otlp: { endpoint: 'backend:4317', insecure: true, tls: { caSecret: { name: 'ca' } } } }] },
    ['spec.exporters[0].otlp.insecure: insecure sends plain text: remove it to use tls or auth']],
  ['insecure with a bearer token', { exporters: [{ name: 'b', otlphttp: { endpoint: 'http://b:4318', insecure: true, auth: { bearerTokenSecret: { name: 't' } } } }] },
    ['spec.exporters[0].otlphttp.insecure: insecure sends plain text: remove it to use tls or auth']],
  ['two kinds of receiver auth', { receivers: { otlp: { auth: { bearerTokenSecret: { name: 't' }, htpasswdSecret: { name: 'h' } } } }, exporters: [BACKEND] },
    ['spec.receivers.otlp.auth: set exactly one of bearerTokenSecret and htpasswdSecret']],
  ['an empty exporter auth', { exporters: [{ name: 'b', otlp: { endpoint: 'backend:4317', auth: {} } }] },
    ['spec.exporters[0].otlp.auth: set exactly one of bearerTokenSecret and basicAuthSecret']],
  ['insecure with basic auth', { exporters: [{ name: 'b', otlp: { endpoint: 'backend:4317', insecure: true, auth: { basicAuthSecret: { name: 'creds' } } } }] },
    ['spec.exporters[0].otlp.insecure: insecure sends plain text: remove it to use tls or auth']],
])('%s is refused with the field path', (_name, spec, expected) => {
  expect(issuesOf(spec)).toEqual(expected);
});

test('basic auth: an htpasswd Secret (key htpasswd by default) for the listeners, a basic-auth Secret for an exporter', () => {
  const result = parseSpec({
    receivers: { otlp: { auth: { htpasswdSecret: { name: 'users' } } } },
    exporters: [{ name: 'b', otlp: { endpoint: 'backend:4317', auth: { basicAuthSecret: { name: 'creds' } } } }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  expect(result.spec.receivers.otlp.auth).toEqual({ htpasswdSecret: { name: 'users', key: 'htpasswd' } });
  expect(result.spec.exporters[0]!.otlp!.auth).toEqual({ basicAuthSecret: { name: 'creds' } });
});
