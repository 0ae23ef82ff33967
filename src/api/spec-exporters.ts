// spec.exporters: where a fleet sends its data. Rendered as upstream `otlp/<name>` or `otlphttp/<name>` exporters.
import { z } from 'zod';
import { duration, durationMs, re2String, withRules } from './schema-kit.ts';
import { ExporterAuthSchema, ExporterTlsSchema } from './spec-security.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

// Endpoints in the forms both collectors take without guessing: a gRPC target is host:port (upstream's otlp
// exporter would otherwise guess a scheme or a port), an HTTP endpoint a base URL without credentials (they would be
// stored in the ConfigMap), query or fragment, whose percent escapes Go's url.Parse accepts.
const HOST = '([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*\\.?|\\[[0-9A-Fa-f:.]+\\])';
const PORT = '(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
export const GRPC_ENDPOINT_PATTERN = `^${HOST}:${PORT}$`;
export const HTTP_ENDPOINT_PATTERN = `^https?://${HOST}(:${PORT})?(/([-A-Za-z0-9._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)*$`;

/** How header names are checked: an HTTP token for OTLP/HTTP, a gRPC metadata key (no binary -bin keys) for OTLP/gRPC. */
interface HeaderNames {
  pattern: string;
  message: string;
  /** CEL over `k` (a name) besides the pattern, and the same check for parseSpec. */
  extra?: { cel: (k: string) => string; holds: (name: string) => boolean };
}

const HTTP_HEADER_NAMES: HeaderNames = { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", message: 'must be a header name: letters, digits and !#$%&\'*+-.^_`|~' };
const GRPC_HEADER_NAMES: HeaderNames = {
  pattern: '^[A-Za-z0-9_.-]+$',
  message: 'must be a gRPC metadata key: letters, digits, "_", "." and "-", not ending in -bin (binary metadata)',
  extra: { cel: (k) => `!${k}.lowerAscii().endsWith('-bin')`, holds: (name) => !name.toLowerCase().endsWith('-bin') },
};
const MAX_HEADERS = 32;

function headerName(names: HeaderNames) {
  const extra = names.extra ? [{ rule: names.extra.cel('self'), message: names.message, holds: names.extra.holds }] : [];
  return re2String(names.pattern, names.message, extra);
}

const headerFromSecret = (names: HeaderNames) => z
  .strictObject({
    name: headerName(names).min(1).max(256).describe('Header name, for example authorization or x-api-key.'),
    secretKeyRef: z
      .strictObject({
        name: z.string().min(1).max(253).describe('Name of a Secret in the pipeline\'s namespace.'),
        key: z.string().min(1).max(253).describe('Key of the Secret whose value is sent as the header value.'),
      })
      .describe('The Secret key holding the header value.'),
  })
  .describe('A header whose value comes from a Secret.');

/** Header names are case-insensitive: each may be set once, across headers and headersFrom. */
const headersOnce = {
  rule:
    '(!has(self.headers) || self.headers.all(a, self.headers.exists_one(b, b.lowerAscii() == a.lowerAscii()))) && ' +
    '(!has(self.headersFrom) || self.headersFrom.all(a, self.headersFrom.exists_one(b, b.name.lowerAscii() == a.name.lowerAscii()))) && ' +
    '(!has(self.headers) || !has(self.headersFrom) || self.headersFrom.all(h, !self.headers.exists(k, k.lowerAscii() == h.name.lowerAscii())))',
  message: 'a header is set twice (header names are case-insensitive), in headers or headersFrom',
  holds: (c: { headers?: Record<string, string>; headersFrom?: { name: string }[] }) => {
    const names = [...Object.keys(c.headers ?? {}), ...(c.headersFrom ?? []).map((h) => h.name)].map((n) => n.toLowerCase());
    return new Set(names).size === names.length;
  },
};

/** Plain text and TLS settings contradict each other; upstream also refuses a bearer token over plain-text gRPC. */
const secureOrInsecure = {
  rule: '!has(self.insecure) || !self.insecure || (!has(self.tls) && !has(self.auth))',
  message: 'insecure sends plain text: remove it to use tls or auth',
  fieldPath: '.insecure',
  holds: (c: { insecure: boolean; tls?: unknown; auth?: unknown }) => !c.insecure || (c.tls === undefined && c.auth === undefined),
};

function otlpClient(endpoint: z.ZodString, names: HeaderNames) {
  const keyRule = `self.all(k, k.matches("${names.pattern}")${names.extra ? ` && ${names.extra.cel('k')}` : ''})`;
  return withRules(z
    .strictObject({
      endpoint,
      compression: z
        .enum(['gzip', 'none'])
        .default('gzip')
        .describe('Compression of export requests. gzip makes them about 70% smaller for a few percent of CPU.'),
      insecure: z
        .boolean()
        .default(false)
        .describe('Send without TLS (plain text). Only for backends inside the cluster network.'),
      headers: z
        .record(headerName(names), z.string().max(4096).describe('Header value.'), {
          error: (issue) => (issue.code === 'invalid_key' ? names.message : undefined),
        })
        .refine((headers) => Object.keys(headers).length <= MAX_HEADERS, `at most ${MAX_HEADERS} headers`)
        .meta({
          maxProperties: MAX_HEADERS,
          'x-kubernetes-validations': [{ rule: keyRule, message: `header names ${names.message}` }],
        })
        .optional()
        .describe('Extra headers sent with every export request, stored in the ConfigMap: put credentials in headersFrom. Taken literally (no ${...} expansion).'),
      headersFrom: z
        .array(headerFromSecret(names))
        .max(16)
        .optional()
        .describe(
          'Headers whose values are read from Secrets in the pipeline\'s namespace, for credentials: the value never lands ' +
            'in the ConfigMap; the collector pods get it as an environment variable. A changed Secret is picked up when ' +
            'the pods restart (kubectl rollout restart).',
        ),
      timeout: duration('Time limit of one export attempt (default 60s, as the guide recommends against data loss).').default(
        '60s',
      ),
      tls: ExporterTlsSchema.optional(),
      auth: ExporterAuthSchema.optional(),
    }), [headersOnce, secureOrInsecure]);
}

const sendingQueue = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Queue batches in memory and send them from background consumers.'),
    numConsumers: z.number().int().min(1).max(1000).default(10).describe('Number of concurrent senders draining the queue.'),
    queueSize: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(10000)
      .describe('Maximum number of batches held in the queue; when full, new data is refused (back-pressure).'),
  })
  .describe('In-memory sending queue of the exporter (upstream sending_queue).');

const retryOnFailure = withRules(
  z.strictObject({
    enabled: z.boolean().default(true).describe('Retry failed exports that the backend reports as retryable.'),
    initialInterval: duration('Wait before the first retry.').default('5s'),
    maxInterval: duration('Upper bound of the wait between retries (exponential backoff).').default('30s'),
    maxElapsedTime: duration('Give up on a batch after retrying this long; 0s retries forever.').default('300s'),
  }),
  [
    {
      rule: '!has(self.initialInterval) || !has(self.maxInterval) || duration(self.initialInterval) <= duration(self.maxInterval)',
      message: 'initialInterval must not exceed maxInterval',
      fieldPath: '.initialInterval',
      holds: (r) => durationMs(r.initialInterval) <= durationMs(r.maxInterval),
    },
  ],
).describe('Retry with exponential backoff (upstream retry_on_failure).');

export const ExporterSchema = withRules(
  z.strictObject({
    name: z
      .string()
      .min(1)
      .max(63)
      .regex(DNS_LABEL, 'must be lower-case letters, digits and "-", starting and ending with a letter or digit')
      .describe('Name of the exporter, unique in the pipeline; the collector component is otlp/<name> or otlphttp/<name>.'),
    otlp: otlpClient(
      re2String(GRPC_ENDPOINT_PATTERN, 'must be host:port, for example backend.observability.svc:4317')
        .min(1)
        .max(512)
        .describe('Backend address as host:port, for example tempo.observability.svc:4317.'),
      GRPC_HEADER_NAMES,
    )
      .optional()
      .describe('Export over OTLP/gRPC (preferred: about twice the throughput of HTTP). Set exactly one of otlp or otlphttp.'),
    otlphttp: otlpClient(
      re2String(HTTP_ENDPOINT_PATTERN, 'must be an http or https base URL without credentials, query or fragment, for example http://backend.observability.svc:4318')
        .min(1)
        .max(512)
        .describe('Backend base URL, for example http://tempo.observability.svc:4318; signal paths are appended.'),
      HTTP_HEADER_NAMES,
    )
      .optional()
      .describe('Export over OTLP/HTTP with protobuf bodies. Set exactly one of otlp or otlphttp.'),
    sendingQueue: sendingQueue.prefault({}),
    retryOnFailure: retryOnFailure.prefault({}),
  }),
  [
    {
      rule: 'has(self.otlp) != has(self.otlphttp)',
      message: 'set exactly one of otlp or otlphttp',
      holds: (e) => (e.otlp === undefined) !== (e.otlphttp === undefined),
    },
  ],
).describe('One backend the fleet exports to.');

export const ExportersSchema = withRules(z.array(ExporterSchema).min(1).max(16), [
  {
    rule: 'self.all(e, self.exists_one(f, f.name == e.name))',
    message: 'exporter names must be unique',
    holds: (list) => new Set(list.map((e) => e.name)).size === list.length,
  },
]).describe('Backends every enabled signal is exported to, each with its own queue and retry.');

export type Exporter = z.output<typeof ExporterSchema>;
export type OtlpClient = NonNullable<Exporter['otlp']>;
