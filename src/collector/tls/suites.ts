// configtls' cipher_suites, include_insecure_cipher_suites and curve_preferences: Go's names (crypto/tls
// CipherSuites() and InsecureCipherSuites(), configtls' curve table) and the OpenSSL names node:tls takes for them.
// As in Go, the TLS 1.3 suites are not configurable: they stay enabled whatever cipher_suites lists, so listing
// only TLS 1.2 suites restricts TLS 1.2 and leaves TLS 1.3 as it is.
import type { SecureContextOptions } from 'node:tls';

const TLS13 = {
  TLS_AES_128_GCM_SHA256: 'TLS_AES_128_GCM_SHA256',
  TLS_AES_256_GCM_SHA384: 'TLS_AES_256_GCM_SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'TLS_CHACHA20_POLY1305_SHA256',
} as const;

const SECURE: Readonly<Record<string, string>> = {
  ...TLS13,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};

/** Go's insecure suites; the RC4 ones have no OpenSSL 3 counterpart in Node. */
const INSECURE: Readonly<Record<string, string | undefined>> = {
  TLS_RSA_WITH_RC4_128_SHA: undefined,
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: undefined,
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: undefined,
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
};

/** configtls' curve names, in the order its error message lists them, and OpenSSL's group names. */
const CURVES: Readonly<Record<string, string>> = {
  P256: 'prime256v1',
  P384: 'secp384r1',
  P521: 'secp521r1',
  X25519: 'X25519',
  X25519MLKEM768: 'X25519MLKEM768',
};
const CURVE_LIST = '[CurveP256 CurveP384 CurveP521 X25519 X25519MLKEM768]';

export interface SuiteSettings {
  readonly cipher_suites: readonly string[];
  readonly include_insecure_cipher_suites: boolean;
  readonly curve_preferences: readonly string[];
}

/** Problems as [field, message], with upstream's messages (upstream finds them at start, we at validate). */
export function suiteProblems(tls: SuiteSettings): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  for (const suite of tls.cipher_suites) {
    const insecure = Object.hasOwn(INSECURE, suite);
    if (insecure && tls.include_insecure_cipher_suites && INSECURE[suite] === undefined) {
      problems.push(['cipher_suites', `unsupported: ${suite} (RC4 is not available in Node's OpenSSL)`]);
    } else if (!Object.hasOwn(SECURE, suite) && !(insecure && tls.include_insecure_cipher_suites)) {
      problems.push(['cipher_suites', `invalid TLS cipher suite: "${suite}"`]);
    }
  }
  for (const curve of tls.curve_preferences) {
    if (!Object.hasOwn(CURVES, curve)) problems.push(['curve_preferences', `invalid curve type: ${curve}. Expected values are ${CURVE_LIST}`]);
  }
  return problems;
}

/** node:tls options for the settings of a valid config: nothing when neither list is set (Node's defaults). */
export function suiteOptions(tls: SuiteSettings): Pick<SecureContextOptions, 'ciphers' | 'ecdhCurve'> {
  const tls12 = tls.cipher_suites
    .filter((suite) => !Object.hasOwn(TLS13, suite))
    .map((suite) => SECURE[suite] ?? INSECURE[suite]!);
  return {
    ...(tls.cipher_suites.length > 0 && { ciphers: [...Object.values(TLS13), ...tls12].join(':') }),
    ...(tls.curve_preferences.length > 0 && { ecdhCurve: tls.curve_preferences.map((curve) => CURVES[curve]!).join(':') }),
  };
}
