// The basicauth extension on the collector's OTLP receivers and exporters, driven by the official JS SDK
// exporters over TLS on 127.0.0.1: an htpasswd file (as a mounted Secret) with every hash scheme upstream reads,
// inline entries over it, refusals with each protocol's authentication error, a rotated file in force without a
// restart, and our exporters sending client_auth credentials from files into our own receiver.
import { basicAuthorization } from '../../src/collector/extensions/htpasswd.ts';
import { freePorts } from '../support/free-port.ts';
import { Capture, captureExporterFactory, startInProcessCollector } from '../support/in-process-collector.ts';
import { startSecuredCollector, type SecuredCollector } from '../support/secured-collector.ts';
import { sendSpans } from '../support/sdk-clients.ts';
import { exportSpans, failureCode, type SecureClient } from '../support/sdk-secure-export.ts';
import { makeTestPki, type TestPki } from '../support/tls-cert.ts';
import { issue, secretDir, type SecretDir } from '../support/tls-secrets.ts';
import { waitFor } from '../support/wait.ts';

const UNAUTHENTICATED = 16;
// Hashes of "s3cret pw" made with OpenSSL (`openssl passwd -apr1|-1|-5|-6 -salt s4ltS4lt`), Python's crypt
// (bcrypt) and `openssl sha1 | base64`: other implementations than the one under test.
const HTPASSWD = [
  'apr1:$apr1$s4ltS4lt$bHDw1K0wdjA3fU8fS2/bR/',
  'md5:$1$s4ltS4lt$4tfsPcnjtNGiQb7w5Q8Eu.',
  'sha256:$5$s4ltS4lt$5t2R51IAHAZq6vwhPPFw1tkE2GLJwr1xwidK3Og27t8',
  'sha512:$6$s4ltS4lt$udqW9UlRYFWf7ChkTbNM9noqKV8akj2teIhtxPqaqV7svKoRx/pK9naf8aE49tyt6fS/tBkisq6cOP3wiasO40',
  'bcrypt:$2b$04$EkBvKYxVIwNEXXunsavLm.FdnnxQIyU.SzEclETfXvzM4DksSrPTm',
  'sha:{SHA}r+PQ/OnaVl2XSPhlHUY75Onr1SQ=',
  'plain:s3cret pw',
  'overridden:the file password',
].join('\n');

let pki: TestPki;
let certs: SecretDir;
let users: SecretDir;
let secured: SecuredCollector;
let grpcPort: number;
let httpPort: number;
let capture: Capture;

beforeAll(async () => {
  pki = makeTestPki();
  const server = issue(pki, 'serverAuth');
  certs = secretDir(`${pki.dir}/certs-`, { 'tls.crt': server.cert, 'tls.key': server.key });
  users = secretDir(`${pki.dir}/users-`, { '.htpasswd': `${HTPASSWD}\n` });
  secured = await startSecuredCollector({
    authenticator: 'basicauth/in',
    extension: { htpasswd: { file: users.path('.htpasswd'), inline: 'overridden:the inline password\n' } },
    tls: { cert_file: certs.path('tls.crt'), key_file: certs.path('tls.key'), reload_interval: '1s' },
  });
  ({ grpcPort, httpPort, capture } = secured);
});

afterAll(async () => {
  await secured?.collector.stop();
  certs?.cleanup();
  users?.cleanup();
  pki?.cleanup();
});

const arrived = (id: string) => secured.arrived(id);
const PORT = { grpc: () => grpcPort, http: () => httpPort };
const as = (user: string, password: string): SecureClient => ({ ca: pki.ca, authorization: basicAuthorization(user, password) });

describe.each(['grpc', 'http'] as const)('%s receiver', (transport) => {
  const refusal = transport === 'grpc' ? UNAUTHENTICATED : 401;

  test.each(['apr1', 'md5', 'sha256', 'sha512', 'bcrypt', 'sha', 'plain'])('a user whose hash is %s is served with the right password only', async (user) => {
    const id = `${transport}-${user}`;
    expect(await exportSpans(transport, PORT[transport](), as(user, 's3cret pw'), [id])).toEqual({ code: 0 });
    expect(failureCode(await exportSpans(transport, PORT[transport](), as(user, 's3cret pW'), [`${id}-wrong`]))).toBe(refusal);
    await capture.until(() => arrived(id) === 1);
    expect(arrived(`${id}-wrong`)).toBe(0);
  });

  test('no credentials, an unknown user, another scheme and a malformed value are refused', async () => {
    const cases: SecureClient[] = [
      { ca: pki.ca },
      as('nobody', 's3cret pw'),
      { ca: pki.ca, token: 's3cret pw' },
      { ca: pki.ca, authorization: 'Basic not base64!' },
      { ca: pki.ca, authorization: `Basic ${Buffer.from('no colon').toString('base64')}` },
    ];
    for (const [i, client] of cases.entries()) {
      expect(failureCode(await exportSpans(transport, PORT[transport](), client, [`${transport}-refused-${i}`]))).toBe(refusal);
    }
    expect(await exportSpans(transport, PORT[transport](), as('plain', 's3cret pw'), [`${transport}-still-served`])).toEqual({ code: 0 });
  });

  test('inline entries win over the file for the same user', async () => {
    expect(await exportSpans(transport, PORT[transport](), as('overridden', 'the inline password'), [`${transport}-inline`])).toEqual({ code: 0 });
    expect(failureCode(await exportSpans(transport, PORT[transport](), as('overridden', 'the file password'), [`${transport}-file`]))).toBe(refusal);
  });
});

test('a changed htpasswd file takes effect without a restart, and a verified password is checked again', async () => {
  users.update({ '.htpasswd': 'plain:rotated pw\n' });
  await waitFor('the old password refused', async () => failureCode(await exportSpans('grpc', grpcPort, as('plain', 's3cret pw'), ['old-password'])) === UNAUTHENTICATED, 10_000, 200);
  expect(await exportSpans('http', httpPort, as('plain', 'rotated pw'), ['new-password'])).toEqual({ code: 0 });
  expect(failureCode(await exportSpans('http', httpPort, as('bcrypt', 's3cret pw'), ['removed-user']))).toBe(401);
  users.update({ '.htpasswd': `${HTPASSWD}\n` });
  await waitFor('the file back', async () => (await exportSpans('grpc', grpcPort, as('plain', 's3cret pw'), ['file-back'])).code === 0, 10_000, 200);
});

test('our exporters send client_auth credentials read from files, and follow a rotated password', async () => {
  const secret = secretDir(`${pki.dir}/client-`, { username: 'plain', password: 's3cret pw\n' });
  const [port] = (await freePorts(1)) as [number];
  const auth = { authenticator: 'basicauth/out' };
  const retry = { initial_interval: '100ms', max_interval: '200ms' };
  const sender = await startInProcessCollector({
    extensions: { 'basicauth/out': { client_auth: { username_file: secret.path('username'), password_file: secret.path('password') } } },
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${port}` } } } },
    exporters: {
      otlp: { endpoint: `127.0.0.1:${grpcPort}`, tls: { ca_pem: pki.ca }, auth, retry_on_failure: retry },
      otlphttp: { endpoint: `https://127.0.0.1:${httpPort}`, tls: { ca_pem: pki.ca }, auth, retry_on_failure: retry },
    },
    service: { extensions: ['basicauth/out'], telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp', 'otlphttp'] } } },
  });
  try {
    const send = (id: string) => sendSpans({ host: '127.0.0.1', grpcPort: port, httpPort: 0 }, 'grpc', [id]);
    await send('relayed-basic');
    await capture.until(() => arrived('relayed-basic') === 2);
    users.update({ '.htpasswd': `${HTPASSWD}\nrotating:second pw\n` });
    secret.update({ username: 'rotating', password: 'second pw\n' });
    let round = 0;
    await waitFor('spans relayed with the rotated credentials on both exporters', async () => {
      const id = `relayed-rotated-${round++}`;
      await send(id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return arrived(id) === 2;
    }, 10_000, 100);
  } finally {
    await sender.stop();
    secret.cleanup();
    users.update({ '.htpasswd': `${HTPASSWD}\n` });
  }
});

test.each([
  ['both sides in one instance', { htpasswd: { inline: 'a:b' }, client_auth: { username: 'a' } }, /only one of `htpasswd` or `client_auth` can be specified/],
  ['neither side', {}, /no credential source provided/],
  ['an empty htpasswd', { htpasswd: {} }, /extensions\.basicauth\.htpasswd: no credential source provided/],
  ['aws_secrets_manager', { client_auth: { aws_secrets_manager: { secret_arn: 'x' } } }, /extensions\.basicauth\.client_auth\.aws_secrets_manager: unsupported: /],
])('a config with %s is refused naming the field', async (_name, basicauth, message) => {
  const start = startInProcessCollector({
    extensions: { basicauth },
    receivers: { otlp: { protocols: { grpc: { endpoint: '127.0.0.1:0', auth: { authenticator: 'basicauth' } } } } },
    exporters: { capture: {} },
    service: { extensions: ['basicauth'], telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['capture'] } } },
  }, { exporters: [captureExporterFactory(new Capture())] });
  await expect(start).rejects.toThrow(message);
});

test('a missing htpasswd file fails the start naming the field', async () => {
  const start = startInProcessCollector({
    extensions: { basicauth: { htpasswd: { file: '/nonexistent/.htpasswd' } } },
    receivers: { otlp: { protocols: { grpc: { endpoint: '127.0.0.1:0', auth: { authenticator: 'basicauth' } } } } },
    exporters: { capture: {} },
    service: { extensions: ['basicauth'], telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['capture'] } } },
  }, { exporters: [captureExporterFactory(new Capture())] });
  await expect(start).rejects.toThrow(/^extensions\.basicauth\.htpasswd\.file: cannot read \/nonexistent\/\.htpasswd: ENOENT/);
});
