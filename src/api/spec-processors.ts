// spec.processors: batching and the user's light processors (guide 3.2: cheapest first, no transform or tail sampling).
import { z } from 'zod';
import { re2Problem } from '../contract/re2.ts';
import { duration, durationMs, withRules } from './schema-kit.ts';
import { TailSamplingSchema } from './spec-tail-sampling.ts';

export const BATCH_PROFILES = ['lowLatency', 'balanced', 'highThroughput'] as const;
export type BatchProfile = (typeof BATCH_PROFILES)[number];

export interface BatchSettings {
  timeout: string;
  send_batch_size: number;
  send_batch_max_size: number;
}

/**
 * The guide's profiles (3.3). Its balanced timeout is 10s in section 3.3 and 5s in section 14; we take 5s so that
 * balanced never holds data longer than highThroughput (5s) does, and a quiet fleet still flushes well within the
 * collector's drain timeout.
 */
export const BATCH_PROFILE_SETTINGS: Record<BatchProfile, BatchSettings> = {
  lowLatency: { timeout: '1s', send_batch_size: 512, send_batch_max_size: 1000 },
  balanced: { timeout: '5s', send_batch_size: 8192, send_batch_max_size: 10000 },
  highThroughput: { timeout: '5s', send_batch_size: 16384, send_batch_max_size: 20000 },
};

/** CEL for a field of the batch settings: the explicit one, else the profile's (balanced when none is named). */
function effectiveCel(field: 'sendBatchSize' | 'sendBatchMaxSize', setting: 'send_batch_size' | 'send_batch_max_size'): string {
  const table = BATCH_PROFILES.map((p) => `'${p}': ${BATCH_PROFILE_SETTINGS[p][setting]}`).join(', ');
  return `(has(self.${field}) ? self.${field} : {${table}}[has(self.profile) ? self.profile : 'balanced'])`;
}

/** The batch settings a spec's batch block stands for: its explicit fields over its profile's. */
export function effectiveBatch(batch: { profile: BatchProfile; timeout?: string; sendBatchSize?: number; sendBatchMaxSize?: number }): BatchSettings {
  const profile = BATCH_PROFILE_SETTINGS[batch.profile];
  return {
    timeout: batch.timeout ?? profile.timeout,
    send_batch_size: batch.sendBatchSize ?? profile.send_batch_size,
    send_batch_max_size: batch.sendBatchMaxSize ?? profile.send_batch_max_size,
  };
}

const batch = withRules(
  z.strictObject({
    profile: z
      .enum(BATCH_PROFILES)
      .default('balanced')
      .describe(
        'Preset of the guide: lowLatency (1s, 512, max 1000), balanced (5s, 8192, max 10000), highThroughput (5s, 16384, max 20000). Explicit fields below override it.',
      ),
    timeout: duration('Send a batch after this long even if it is not full; overrides the profile.').optional(),
    sendBatchSize: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe('Items (spans, points, records) that trigger sending a batch; overrides the profile.'),
    sendBatchMaxSize: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .optional()
      .describe('Upper bound of a batch, larger ones are split; 0 means no bound. Overrides the profile.'),
  }),
  [
    {
      rule: `${effectiveCel('sendBatchMaxSize', 'send_batch_max_size')} == 0 || ${effectiveCel('sendBatchMaxSize', 'send_batch_max_size')} >= ${effectiveCel('sendBatchSize', 'send_batch_size')}`,
      message: "sendBatchMaxSize must be 0 or at least sendBatchSize, each the profile's when not set: set both",
      fieldPath: '.sendBatchMaxSize',
      holds: (b) => {
        const { send_batch_size: size, send_batch_max_size: max } = effectiveBatch(b);
        return max === 0 || max >= size;
      },
    },
    {
      rule: '!has(self.timeout) || duration(self.timeout) > duration("0s")',
      message: 'timeout must be greater than 0',
      fieldPath: '.timeout',
      holds: (b) => b.timeout === undefined || durationMs(b.timeout) > 0,
    },
  ],
).describe('Batching of items before export (upstream batch processor), after memory_limiter and the processors that drop data.');

const VALUE_ACTIONS = ['insert', 'update', 'upsert'];

/**
 * A regular expression in RE2 syntax. The API server compiles it at admission with Go's regexp, the engine of CEL and
 * of the upstream collector: the rule is true for any pattern that compiles and an evaluation error, naming Go's
 * reason, for one that does not. parseSpec compiles it with re2js, the port our collector matches with.
 */
function regex(maxLength: number, description: string) {
  return z
    .string()
    .min(1)
    .max(maxLength)
    .superRefine((pattern, ctx) => {
      const problem = re2Problem(pattern);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .meta({ 'x-kubernetes-validations': [{ rule: "''.matches(self) || !''.matches(self)", message: 'must be an RE2 regular expression' }] })
    .describe(description);
}

const attributeAction = withRules(
  z.strictObject({
    action: z
      .enum(['insert', 'update', 'upsert', 'delete', 'hash'])
      .describe('What to do: insert (only if absent), update (only if present), upsert, delete, or hash (SHA-256 of the value).'),
    key: z.string().min(1).max(256).optional().describe('Attribute key the action applies to. Set exactly one of key or pattern.'),
    pattern: regex(256, 'Regular expression over attribute keys (delete and hash only), for example ^internal\\..*').optional(),
    value: z.string().max(4096).optional().describe('Value (a string) to set, for insert, update and upsert.'),
    fromAttribute: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe('Copy the value from this attribute instead of a literal, for insert, update and upsert.'),
  }),
  [
    {
      rule: 'has(self.key) != has(self.pattern)',
      message: 'set exactly one of key or pattern',
      holds: (a) => (a.key === undefined) !== (a.pattern === undefined),
    },
    {
      rule: "!has(self.pattern) || self.action in ['delete', 'hash']",
      message: 'pattern is only allowed with the delete and hash actions',
      fieldPath: '.pattern',
      holds: (a) => a.pattern === undefined || a.action === 'delete' || a.action === 'hash',
    },
    {
      rule: "!(self.action in ['insert', 'update', 'upsert']) || has(self.value) != has(self.fromAttribute)",
      message: 'insert, update and upsert need exactly one of value or fromAttribute',
      holds: (a) => !VALUE_ACTIONS.includes(a.action) || (a.value === undefined) !== (a.fromAttribute === undefined),
    },
    {
      rule: "self.action in ['insert', 'update', 'upsert'] || (!has(self.value) && !has(self.fromAttribute))",
      message: 'value and fromAttribute only apply to insert, update and upsert',
      holds: (a) => VALUE_ACTIONS.includes(a.action) || (a.value === undefined && a.fromAttribute === undefined),
    },
  ],
).describe('One attribute action, applied to span, log record and data point attributes.');

const attributeMatch = z
  .strictObject({
    key: z.string().min(1).max(256).describe('Attribute key.'),
    value: regex(1024, 'Regular expression the attribute value must match.'),
  })
  .describe('Matches items whose attribute key has a value matching the regular expression.');

function attributeMatches(items: string) {
  return z.array(attributeMatch).max(32).optional().describe(`Drop ${items} matching any of these attribute conditions.`);
}

const filter = z
  .strictObject({
    spans: z
      .strictObject({
        nameMatches: z
          .array(regex(1024, 'Regular expression over the span name.'))
          .max(32)
          .optional()
          .describe('Drop spans whose name matches any of these regular expressions.'),
        attributeMatches: attributeMatches('spans'),
      })
      .optional()
      .describe('Conditions that drop spans; any matching condition drops the span.'),
    logRecords: z
      .strictObject({ attributeMatches: attributeMatches('log records') })
      .optional()
      .describe('Conditions that drop log records.'),
    dataPoints: z
      .strictObject({ attributeMatches: attributeMatches('metric data points') })
      .optional()
      .describe('Conditions that drop metric data points.'),
  })
  .describe('Drop unwanted items early (upstream filter processor).');

const sampling = z
  .strictObject({
    percentage: z
      .number()
      .min(0)
      .max(100)
      .default(100)
      .describe('Percentage of traces kept, decided consistently on the trace id; 100 keeps everything.'),
  })
  .describe('Head sampling of traces (upstream probabilistic_sampler).');

export const ProcessorsSchema = withRules(
  z.strictObject({
    batch: batch.prefault({}),
    attributes: z.array(attributeAction).max(32).optional().describe('Attribute actions, applied in order.'),
    filter: filter.optional(),
    sampling: sampling.optional(),
    tailSampling: TailSamplingSchema.optional(),
  }),
  [
    {
      // Head sampling before tail sampling would drop traces the policies are meant to keep (errors, slow ones).
      rule: '!has(self.sampling) || !has(self.tailSampling)',
      message: 'sampling and tailSampling exclude each other: sample a share of traces with a probabilistic tailSampling policy',
      fieldPath: '.sampling',
      holds: (p) => p.sampling === undefined || p.tailSampling === undefined,
    },
  ],
).describe('Processing between receiving and exporting, in upstream order: memory_limiter, filter, sampling, batch, attributes.');

export type Processors = z.output<typeof ProcessorsSchema>;
export type AttributeAction = NonNullable<Processors['attributes']>[number];
export type Filter = NonNullable<Processors['filter']>;
