// spec.processors.tailSampling: trace-aware sampling on a second tier of collectors (upstream tail_sampling
// processor, fed by a routing tier's loadbalancing exporter). Fields are upstream's, camelCase; the renderer writes
// upstream's snake_case names (render/tail-sampling.ts).
import { z } from 'zod';
import { re2Problem } from '../contract/re2.ts';
import { duration, durationMs, withRules } from './schema-kit.ts';

/** Policy types a leaf (a policy, or a sub-policy of `and` and `composite`) may have, as spec values. */
export const LEAF_POLICY_TYPES = ['statusCode', 'latency', 'stringAttribute', 'numericAttribute', 'probabilistic'] as const;
/** Top-level policy types: the leaves and the two that combine them. */
export const POLICY_TYPES = [...LEAF_POLICY_TYPES, 'and', 'composite'] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

const MAX_POLICIES = 16;
const MAX_SUB_POLICIES = 8;
const MAX_VALUES = 32;

const policyName = z.string().min(1).max(64).describe('Name of the policy, unique in its list; it labels the sampling metrics.');
const attributeKey = z.string().min(1).max(256).describe('Span or resource attribute key.');

const statusCode = z
  .strictObject({
    statusCodes: z
      .array(z.enum(['OK', 'ERROR', 'UNSET']).describe('A span status code: OK, ERROR or UNSET.'))
      .min(1)
      .max(3)
      .describe('Keep a trace when any of its spans has one of these status codes.'),
  })
  .describe('Samples by span status (upstream status_code).');

const latency = withRules(
  z.strictObject({
    thresholdMs: z.number().int().min(0).max(86_400_000).describe('Keep a trace lasting at least this long (first span start to last span end), in ms.'),
    upperThresholdMs: z
      .number()
      .int()
      .min(0)
      .max(86_400_000)
      .optional()
      .describe('With it, keep only traces lasting between thresholdMs and this, in ms.'),
  }),
  [
    {
      rule: '!has(self.upperThresholdMs) || self.upperThresholdMs == 0 || self.upperThresholdMs >= self.thresholdMs',
      message: 'upperThresholdMs must be at least thresholdMs',
      fieldPath: '.upperThresholdMs',
      holds: (l) => !l.upperThresholdMs || l.upperThresholdMs >= l.thresholdMs,
    },
  ],
).describe('Samples by trace duration (upstream latency).');

const stringAttribute = withRules(
  z.strictObject({
    key: attributeKey,
    values: z.array(z.string().min(1).max(256).describe('A value, or a regular expression.')).min(1).max(MAX_VALUES).describe('Values to match exactly, or RE2 regular expressions with enabledRegexMatching.'),
    enabledRegexMatching: z.boolean().optional().describe('Read values as RE2 regular expressions.'),
    cacheMaxSize: z.number().int().min(0).max(1_000_000).optional().describe('Size of the cache of regular expression results (upstream default when unset).'),
    invertMatch: z.boolean().optional().describe('Keep traces whose spans do not match instead.'),
  }),
  [
    {
      rule: "!has(self.enabledRegexMatching) || !self.enabledRegexMatching || self.values.all(v, ''.matches(v) || !''.matches(v))",
      message: 'values must be RE2 regular expressions when enabledRegexMatching is set',
      fieldPath: '.values',
      holds: (s) => !s.enabledRegexMatching || s.values.every((v) => re2Problem(v) === undefined),
    },
  ],
).describe('Samples by a string attribute of a span or its resource (upstream string_attribute).');

const numericAttribute = withRules(
  z.strictObject({
    key: attributeKey,
    minValue: z.number().int().optional().describe('Smallest value kept (inclusive); unset: no lower bound.'),
    maxValue: z.number().int().optional().describe('Largest value kept (inclusive); unset: no upper bound.'),
    invertMatch: z.boolean().optional().describe('Keep traces whose spans do not match instead.'),
  }),
  [
    {
      rule: 'has(self.minValue) || has(self.maxValue)',
      message: 'set at least one of minValue or maxValue',
      holds: (n) => n.minValue !== undefined || n.maxValue !== undefined,
    },
    {
      rule: '!has(self.minValue) || !has(self.maxValue) || self.minValue <= self.maxValue',
      message: 'minValue must not exceed maxValue',
      fieldPath: '.maxValue',
      holds: (n) => n.minValue === undefined || n.maxValue === undefined || n.minValue <= n.maxValue,
    },
  ],
).describe('Samples by an integer attribute of a span or its resource (upstream numeric_attribute).');

const probabilistic = z
  .strictObject({
    samplingPercentage: z.number().min(0).max(100).describe('Percentage of traces kept, decided on the trace id.'),
    hashSalt: z.string().max(256).optional().describe('Salt of the trace id hash; collectors sampling the same traces must share it.'),
  })
  .describe('Samples a share of traces (upstream probabilistic).');

const leafBlocks = { statusCode: statusCode.optional(), latency: latency.optional(), stringAttribute: stringAttribute.optional(), numericAttribute: numericAttribute.optional(), probabilistic: probabilistic.optional() };

/** CEL and check: the block named by `type` is set, and no other block. */
function typeRules<T extends { type: string }>(types: readonly string[]) {
  const present = (p: T) => types.filter((t) => (p as Record<string, unknown>)[t] !== undefined);
  return [
    {
      rule: `[${types.map((t) => `has(self.${t})`).join(', ')}].filter(x, x).size() == 1 && ${types.map((t) => `(self.type != '${t}' || has(self.${t}))`).join(' && ')}`,
      message: 'set exactly the block named by type (for example type: latency with latency: {...})',
      holds: (p: T) => {
        const set = present(p);
        return set.length === 1 && set[0] === p.type;
      },
    },
  ];
}

function leafPolicy(what: string) {
  return withRules(
    z.strictObject({ name: policyName, type: z.enum(LEAF_POLICY_TYPES).describe(`Policy type: ${LEAF_POLICY_TYPES.join(', ')}.`), ...leafBlocks }),
    typeRules(LEAF_POLICY_TYPES),
  ).describe(what);
}

function uniqueNames<T extends { name: string }>(list: T[], ctx: z.RefinementCtx, field: string): void {
  const seen = new Set<string>();
  list.forEach((p, i) => {
    if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate ${field} name "${p.name}"` });
    seen.add(p.name);
  });
}

function policyList<S extends z.ZodType<{ name: string }>>(item: S, max: number, description: string) {
  return z
    .array(item)
    .min(1)
    .max(max)
    .superRefine((list, ctx) => uniqueNames(list as { name: string }[], ctx, 'policy'))
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
    .describe(description);
}

const and = z
  .strictObject({ andSubPolicy: policyList(leafPolicy('A sub-policy of and.'), MAX_SUB_POLICIES, 'Policies that must all sample a trace for it to be kept.') })
  .describe('Keeps a trace only when every sub-policy keeps it (upstream and).');

const composite = withRules(
  z.strictObject({
    maxTotalSpansPerSecond: z.number().int().min(1).max(1_000_000_000).describe('Spans per second the composite keeps in total.'),
    policyOrder: z.array(policyName).min(1).max(MAX_SUB_POLICIES).describe('Names of the sub-policies in the order they are evaluated.'),
    compositeSubPolicy: policyList(leafPolicy('A sub-policy of composite.'), MAX_SUB_POLICIES, 'The sub-policies sharing the budget.'),
    rateAllocation: z
      .array(
        z
          .strictObject({ policy: policyName, percent: z.number().int().min(0).max(100).describe('Share of maxTotalSpansPerSecond, in percent.') })
          .describe('The share of the budget one sub-policy may use.'),
      )
      .max(MAX_SUB_POLICIES)
      .optional()
      .describe('Budget shares; sub-policies without one share what is left.'),
  }),
  [
    {
      rule: 'self.policyOrder.all(n, self.compositeSubPolicy.exists(p, p.name == n))',
      message: 'policyOrder must name sub-policies of compositeSubPolicy',
      fieldPath: '.policyOrder',
      holds: (c) => c.policyOrder.every((n) => c.compositeSubPolicy.some((p) => p.name === n)),
    },
    {
      rule: '!has(self.rateAllocation) || self.rateAllocation.all(a, self.compositeSubPolicy.exists(p, p.name == a.policy))',
      message: 'rateAllocation must name sub-policies of compositeSubPolicy',
      fieldPath: '.rateAllocation',
      holds: (c) => (c.rateAllocation ?? []).every((a) => c.compositeSubPolicy.some((p) => p.name === a.policy)),
    },
  ],
).describe('Shares a span rate budget between sub-policies, in order (upstream composite).');

const policy = withRules(
  z.strictObject({
    name: policyName,
    type: z.enum(POLICY_TYPES).describe(`Policy type: ${POLICY_TYPES.join(', ')}.`),
    ...leafBlocks,
    and: and.optional(),
    composite: composite.optional(),
  }),
  typeRules(POLICY_TYPES),
).describe('One sampling policy; a trace is kept when any policy keeps it.');

export const TailSamplingSchema = withRules(
  z.strictObject({
    decisionWait: duration('How long after its first span a trace is decided; spans arriving later follow the decision.').default('30s'),
    numTraces: z.number().int().min(1).max(10_000_000).default(50_000).describe('Traces each sampler holds in memory; beyond it the oldest is decided early.'),
    expectedNewTracesPerSec: z
      .number()
      .int()
      .min(0)
      .max(10_000_000)
      .default(0)
      .describe('Traces per second one sampler expects, to size its structures up front; 0 lets them grow.'),
    decisionCache: z
      .strictObject({
        sampledCacheSize: z
          .number()
          .int()
          .min(0)
          .max(10_000_000)
          .optional()
          .describe('Trace ids of kept traces remembered, so late spans are kept too; numTraces when unset, 0 keeps decided traces in memory instead.'),
        nonSampledCacheSize: z
          .number()
          .int()
          .min(0)
          .max(10_000_000)
          .optional()
          .describe('Trace ids of dropped traces remembered, so late spans are dropped too; numTraces when unset, 0 keeps decided traces in memory instead.'),
      })
      .optional()
      .describe(
        'Remembered decisions, for spans arriving after their trace was decided. With them a decided trace leaves memory, so the ' +
          'traces a sampler holds are those awaiting their decision, which the autoscaler sizes the sampling tier by.',
      ),
    policies: policyList(policy, MAX_POLICIES, 'The policies; a trace is kept when any of them keeps it.'),
    sampler: withRules(
      z.strictObject({
        replicas: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(2)
          .describe(
            'Sampler pods; each trace is routed whole to one of them by its trace id. With spec.scaling.enabled the autoscaler sets it ' +
              'within [minReplicas, maxReplicas] from the traces the samplers hold and their memory.',
          ),
        minReplicas: z.number().int().min(1).max(1000).default(2).describe('Fewest sampler pods the autoscaler keeps.'),
        maxReplicas: z.number().int().min(1).max(1000).default(10).describe('Most sampler pods the autoscaler runs.'),
      }),
      [
        {
          rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
          message: 'minReplicas must not exceed maxReplicas',
          fieldPath: '.minReplicas',
          holds: (s) => s.minReplicas <= s.maxReplicas,
        },
      ],
    )
      .prefault({})
      .describe('The sampling tier (<name>-sampler): collectors behind a headless Service that hold and decide traces.'),
  }),
  [
    {
      rule: 'duration(self.decisionWait) > duration("0s")',
      message: 'decisionWait must be greater than 0',
      fieldPath: '.decisionWait',
      holds: (t) => durationMs(t.decisionWait) > 0,
    },
  ],
).describe(
  'Tail sampling: the pipeline becomes two fleets. The routing tier (<name>-collector) receives, and sends each trace by its id to one ' +
    'collector of the sampling tier (<name>-sampler), which waits decisionWait for the whole trace, applies the policies and exports what ' +
    'is kept. Traces only; metrics and logs go from the routing tier to the exporters as without it.',
);

export type TailSampling = z.output<typeof TailSamplingSchema>;
export type TailSamplingPolicy = TailSampling['policies'][number];
export type LeafPolicy = NonNullable<TailSamplingPolicy['and']>['andSubPolicy'][number];
