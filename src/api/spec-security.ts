// TLS and authentication settings of a TelemetryPipeline: the listeners' server certificate (and the CA client
// certificates must chain to, for mTLS), exporters' CA and client certificate, and bearer tokens, each named as a
// Secret in the pipeline's namespace. The operator never reads them: the kubelet mounts them into the collector
// pods, and the rendered config points at the files, which both collectors re-read when the Secret changes.
import { z } from 'zod';
import { withRules } from './schema-kit.ts';

const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

const secretName = z
  .string()
  .min(1)
  .max(253)
  .regex(SECRET_NAME, 'must be a Secret name: lower-case letters, digits, "-" and "."')
  .describe('Name of a Secret in the pipeline\'s namespace.');

/** A kubernetes.io/tls Secret, as cert-manager writes it: keys tls.crt and tls.key. */
const certificateSecret = (what: string) => z
  .strictObject({ name: secretName })
  .describe(`${what}: a kubernetes.io/tls Secret (keys tls.crt and tls.key), such as cert-manager's Certificate writes.`);

function secretKey(what: string, defaultKey: string) {
  return z
    .strictObject({
      name: secretName,
      key: z.string().min(1).max(253).regex(SECRET_KEY, 'must be a Secret key: letters, digits, "-", "_" and "."').default(defaultKey)
        .describe(`Key of the Secret (default ${defaultKey}).`),
    })
    .describe(what);
}

export const ReceiverTlsSchema = z
  .strictObject({
    certificateSecret: certificateSecret('The listeners\' server certificate and key'),
    clientCASecret: secretKey(
      'Require client certificates signed by this CA (mutual TLS); clients without one fail the handshake.', 'ca.crt',
    ).optional(),
    minVersion: z.enum(['1.2', '1.3']).default('1.2').describe('Lowest TLS version accepted.'),
  })
  .describe(
    'Serve OTLP/gRPC and OTLP/HTTP over TLS. A renewed certificate (an updated Secret) is used for new connections ' +
      'within about a minute and a half (the kubelet\'s sync plus the collector\'s 30s check), without a restart; ' +
      'open connections keep theirs.',
  );

const bearerToken = (direction: string) => secretKey(
  `${direction} (bearertokenauth). The Secret's value is the token, one per line (the first word counts); an ` +
    'updated Secret takes effect without a restart.',
  'token',
);

/** Exactly one way of authenticating, checked by the API server and by parseSpec alike. */
function oneOf<S extends z.ZodObject>(schema: S, fields: readonly [string, string]): S {
  const [a, b] = fields;
  return withRules(schema, [{
    rule: `has(self.${a}) != has(self.${b})`,
    message: `set exactly one of ${a} and ${b}`,
    holds: (value) => ((value as Record<string, unknown>)[a] === undefined) !== ((value as Record<string, unknown>)[b] === undefined),
  }]);
}

export const ReceiverAuthSchema = oneOf(z
  .strictObject({
    bearerTokenSecret: bearerToken('Accept only requests with "Authorization: Bearer <token>"; others get UNAUTHENTICATED (gRPC) or 401 (HTTP)').optional(),
    htpasswdSecret: secretKey(
      'Accept only requests with HTTP Basic credentials of a user in this htpasswd file (basicauth; bcrypt, MD5, SHA ' +
        'and SHA-crypt hashes, as `htpasswd -B` writes); others get UNAUTHENTICATED (gRPC) or 401 (HTTP). An updated ' +
        'Secret takes effect without a restart.',
      'htpasswd',
    ).optional(),
  })
  .describe('Authentication of clients on both listeners: a bearer token or HTTP Basic users, one of them.'), ['bearerTokenSecret', 'htpasswdSecret']);

export const ExporterTlsSchema = z
  .strictObject({
    caSecret: secretKey('The CA that signed the backend\'s certificate (default: the system\'s roots).', 'ca.crt').optional(),
    certificateSecret: certificateSecret('A client certificate presented to the backend (mutual TLS)').optional(),
    insecureSkipVerify: z.boolean().default(false).describe('Do not verify the backend\'s certificate (testing only).'),
  })
  .describe('TLS to the backend; an otlphttp endpoint must be https:// for it to apply.');

export const ExporterAuthSchema = oneOf(z
  .strictObject({
    bearerTokenSecret: bearerToken('Send "Authorization: Bearer <token>" with every export').optional(),
    basicAuthSecret: z
      .strictObject({ name: secretName })
      .describe(
        'Send HTTP Basic credentials (basicauth) with every export: a kubernetes.io/basic-auth Secret (keys username and ' +
          'password); an updated Secret takes effect without a restart.',
      )
      .optional(),
  })
  .describe('Authentication to the backend: a bearer token or HTTP Basic credentials, one of them.'), ['bearerTokenSecret', 'basicAuthSecret']);

export type ReceiverTls = z.output<typeof ReceiverTlsSchema>;
export type ReceiverAuth = z.output<typeof ReceiverAuthSchema>;
export type ExporterTls = z.output<typeof ExporterTlsSchema>;
export type ExporterAuth = z.output<typeof ExporterAuthSchema>;
