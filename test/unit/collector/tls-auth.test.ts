// Receiver `tls` blocks and `auth` references, the bearertokenauth extension's config and checks, and the
// node:tls options a server config means: pure parts, table-tested.
import { authSources } from '../../../src/collector/auth.ts';
import { formatIssue } from '../../../src/collector/config/issues.ts';
import { validateConfig } from '../../../src/collector/config/validate.ts';
import { checkBearer, headerValues, tokensFromFile } from '../../../src/collector/extensions/bearer-token.ts';
import { defaultFactories } from '../../../src/collector/registry.ts';
import { reloadEveryMs, serverTlsOptions, tlsServerSchema } from '../../../src/collector/tls/server-config.ts';

function issues(config: object): string[] {
  return validateConfig(config, defaultFactories).issues.map(formatIssue);
}

function receiverConfig(grpc: object, extensions: object = {}) {
  return {
    extensions,
    receivers: { otlp: { protocols: { grpc } } },
    exporters: { debug: {} },
    service: { extensions: Object.keys(extensions), pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] } } },
  };
}

test.each([
  ['certificate and key files', { tls: { cert_file: '/c', key_file: '/k', client_ca_file: '/ca', reload_interval: '30s' } }, []],
  ['no certificate', { tls: { client_ca_file: '/ca' } }, ['receivers.otlp.protocols.grpc.tls.cert_file: TLS configuration must include both certificate and key for server connections']],
  ['a certificate without key', { tls: { cert_file: '/c' } }, ['receivers.otlp.protocols.grpc.tls.key_file: certificate and key must be given together']],
  ['file and pem', { tls: { cert_file: '/c', cert_pem: 'x', key_file: '/k' } }, ['receivers.otlp.protocols.grpc.tls.cert_pem: set either cert_file or cert_pem, not both']],
  ['versions crossed', { tls: { cert_file: '/c', key_file: '/k', min_version: '1.3', max_version: '1.2' } }, ['receivers.otlp.protocols.grpc.tls.min_version: invalid TLS configuration: min_version cannot be greater than max_version']],
  ['an unknown version', { tls: { cert_file: '/c', key_file: '/k', min_version: '1.4' } }, ['receivers.otlp.protocols.grpc.tls.min_version: Invalid option: expected one of "1.0"|"1.1"|"1.2"|"1.3"']],
  ['a bad reload_interval', { tls: { cert_file: '/c', key_file: '/k', reload_interval: 'soon' } }, ['receivers.otlp.protocols.grpc.tls.reload_interval: invalid duration "soon" (expected e.g. "200ms", "5s", "1m30s")']],
  ['an unknown tls field', { tls: { cert_file: '/c', key_file: '/k', certfile: '/x' } }, ['receivers.otlp.protocols.grpc.tls.certfile: unknown field']],
  ['auth without authenticator', { auth: {} }, ['receivers.otlp.protocols.grpc.auth.authenticator: required field is missing (expected string)']],
])('receiver tls/auth: %s', (_name, grpc, expected) => {
  expect(issues(receiverConfig(grpc))).toEqual(expected);
});

test.each([
  ['a token', { token: 't' }, []],
  ['a file', { filename: '/run/token' }, []],
  ['nothing', {}, ['extensions.bearertokenauth: no bearer token provided (set token, tokens or filename)']],
  ['token and tokens', { token: 'a', tokens: ['b'] }, ['extensions.bearertokenauth.tokens: either tokens or token should be provided, not both']],
  ['an unknown field', { token: 't', password: 'p' }, ['extensions.bearertokenauth.password: unknown field']],
])('bearertokenauth config: %s', (_name, extension, expected) => {
  expect(issues(receiverConfig({}, { bearertokenauth: extension }))).toEqual(expected);
});

test.each([
  ['one token per line, first word, blanks skipped', 'abc  # comment\n\n  def\r\n', ['abc', 'def']],
  ['surrounding whitespace', '  tok \n', ['tok']],
  ['empty', '\n', []],
])('token file: %s', (_name, content, expected) => {
  expect(tokensFromFile(content)).toEqual(expected);
});

test('header values: scheme, or the bare token when the scheme is empty', () => {
  expect(headerValues('Bearer', ['a', 'b'])).toEqual(['Bearer a', 'Bearer b']);
  expect(headerValues('', ['a'])).toEqual(['a']);
});

test.each([
  ['the token', { authorization: 'Bearer a' }, 'Authorization', undefined],
  ['the second token', { authorization: 'Bearer b' }, 'Authorization', undefined],
  ['a custom header', { 'x-token': 'Bearer a' }, 'X-Token', undefined],
  ['the first of several values', { authorization: ['Bearer a', 'Bearer zz'] }, 'Authorization', undefined],
  ['no header', {}, 'Authorization', 'missing or empty authorization header: Authorization'],
  ['a wrong token', { authorization: 'Bearer c' }, 'Authorization', 'provided authorization does not match expected scheme or token'],
  ['a wrong scheme', { authorization: 'Basic a' }, 'Authorization', 'provided authorization does not match expected scheme or token'],
  ['a prefix of the token', { authorization: 'Bearer' }, 'Authorization', 'provided authorization does not match expected scheme or token'],
])('bearer check: %s', (_name, sources, header, expected) => {
  expect(checkBearer(sources, header, ['Bearer a', 'Bearer b'])).toBe(expected);
});

test('auth sources: query parameters named in request_params join the headers', () => {
  expect(authSources({ authorization: 'x' }, '/v1/traces?token=abc&other=1', ['token'])).toEqual({ authorization: 'x', token: ['abc'] });
  const headers = { authorization: 'x' };
  expect(authSources(headers, '/v1/traces?token=abc', [])).toBe(headers);
});

const parse = (tls: object) => tlsServerSchema.parse(tls);

test.each([
  ['files', { cert_file: '/c', key_file: '/k' }, { cert: 'C', key: 'K', minVersion: 'TLSv1.2' }],
  ['inline pems, versions', { cert_pem: 'c', key_pem: 'k', min_version: '1.3', max_version: '1.3' }, { cert: 'c', key: 'k', minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }],
  ['client certificates required', { cert_file: '/c', key_file: '/k', client_ca_file: '/ca' }, { cert: 'C', key: 'K', minVersion: 'TLSv1.2', ca: 'CA', requestCert: true, rejectUnauthorized: true }],
])('server tls options: %s', (_name, tls, expected) => {
  const contents = new Map([['/c', 'C'], ['/k', 'K'], ['/ca', 'CA']]);
  expect(serverTlsOptions(parse(tls), contents)).toEqual(expected);
});

test.each([
  ['no reloading', { cert_file: '/c', key_file: '/k' }, 0],
  ['reload_interval', { cert_file: '/c', key_file: '/k', reload_interval: '30s' }, 30_000],
  ['client CA reload only', { cert_file: '/c', key_file: '/k', client_ca_file: '/ca', client_ca_file_reload: true }, 5000],
  ['client CA reload without a client CA', { cert_file: '/c', key_file: '/k', client_ca_file_reload: true }, 0],
])('reload period: %s', (_name, tls, expected) => {
  expect(reloadEveryMs(parse(tls), 5000)).toBe(expected);
});
