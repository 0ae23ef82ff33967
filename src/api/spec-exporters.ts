// spec.exporters: where a fleet sends its data. Rendered as upstream `otlp/<name>` or `otlphttp/<name>` exporters.
import { z } from 'zod';
import { duration, durationMs, withRules } from './schema-kit.ts';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const headerFromSecret = z
  .strictObject({
    name: z.string().min(1).max(256).describe('Header name, for example authorization or x-api-key.'),
    secretKeyRef: z
      .strictObject({
        name: z.string().min(1).max(253).describe('Name of a Secret in the pipeline\'s namespace.'),
        key: z.string().min(1).max(253).describe('Key of the Secret whose value is sent as the header value.'),
      })
      .describe('The Secret key holding the header value.'),
  })
  .describe('A header whose value comes from a Secret.');

function otlpClient(endpointDescription: string) {
  return z
    .strictObject({
      endpoint: z.string().min(1).max(512).describe(endpointDescription),
      compression: z
        .enum(['gzip', 'none'])
        .default('gzip')
        .describe('Compression of export requests. gzip makes them about 70% smaller for a few percent of CPU.'),
      insecure: z
        .boolean()
        .default(false)
        .describe('Send without TLS (plain text). Only for backends inside the cluster network.'),
      headers: z
        .record(z.string(), z.string().max(4096).describe('Header value.'))
        .optional()
        .describe('Extra headers sent with every export request, stored in the ConfigMap: put credentials in headersFrom. Taken literally (no ${...} expansion).'),
      headersFrom: z
        .array(headerFromSecret)
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
    });
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
    otlp: otlpClient('Backend address as host:port, for example tempo.observability.svc:4317.')
      .optional()
      .describe('Export over OTLP/gRPC (preferred: about twice the throughput of HTTP). Set exactly one of otlp or otlphttp.'),
    otlphttp: otlpClient('Backend base URL, for example http://tempo.observability.svc:4318; signal paths are appended.')
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
