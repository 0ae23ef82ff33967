import { suiteOptions, suiteProblems, type SuiteSettings } from '../../../src/collector/tls/suites.ts';

const none: SuiteSettings = { cipher_suites: [], include_insecure_cipher_suites: false, curve_preferences: [] };
const TLS13 = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';

test.each<[string, Partial<SuiteSettings>, Array<[string, string]>]>([
  ['nothing set', {}, []],
  ['Go secure suites and every curve', { cipher_suites: ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'], curve_preferences: ['X25519', 'P256', 'P384', 'P521', 'X25519MLKEM768'] }, []],
  ['an unknown suite', { cipher_suites: ['NOPE'] }, [['cipher_suites', 'invalid TLS cipher suite: "NOPE"']]],
  ['an insecure suite without the flag', { cipher_suites: ['TLS_RSA_WITH_AES_128_GCM_SHA256'] }, [['cipher_suites', 'invalid TLS cipher suite: "TLS_RSA_WITH_AES_128_GCM_SHA256"']]],
  ['an insecure suite with the flag', { cipher_suites: ['TLS_RSA_WITH_AES_128_GCM_SHA256'], include_insecure_cipher_suites: true }, []],
  ['RC4 with the flag', { cipher_suites: ['TLS_RSA_WITH_RC4_128_SHA'], include_insecure_cipher_suites: true },
    [['cipher_suites', 'unsupported: TLS_RSA_WITH_RC4_128_SHA (RC4 is not available in Node\'s OpenSSL)']]],
  ['an OpenSSL name instead of Go\'s', { cipher_suites: ['ECDHE-RSA-AES128-GCM-SHA256'] }, [['cipher_suites', 'invalid TLS cipher suite: "ECDHE-RSA-AES128-GCM-SHA256"']]],
  ['an unknown curve', { curve_preferences: ['P999'] },
    [['curve_preferences', 'invalid curve type: P999. Expected values are [CurveP256 CurveP384 CurveP521 X25519 X25519MLKEM768]']]],
])('problems: %s', (_name, settings, expected) => {
  expect(suiteProblems({ ...none, ...settings })).toEqual(expected);
});

test.each<[string, Partial<SuiteSettings>, object]>([
  ['nothing set: Node\'s defaults', {}, {}],
  ['TLS 1.2 suites in order, TLS 1.3 suites always kept', { cipher_suites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'] },
    { ciphers: `${TLS13}:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305` }],
  ['only a TLS 1.3 suite: TLS 1.2 gets no suite', { cipher_suites: ['TLS_AES_256_GCM_SHA384'] }, { ciphers: TLS13 }],
  ['an insecure suite', { cipher_suites: ['TLS_RSA_WITH_AES_256_CBC_SHA'], include_insecure_cipher_suites: true }, { ciphers: `${TLS13}:AES256-SHA` }],
  ['curves in preference order', { curve_preferences: ['P384', 'X25519'] }, { ecdhCurve: 'secp384r1:X25519' }],
])('node:tls options: %s', (_name, settings, expected) => {
  expect(suiteOptions({ ...none, ...settings })).toEqual(expected);
});
