// tail_sampling processor config, upstream's fields (contrib tailsamplingprocessor v0.161.0). Where upstream only
// finds a policy problem when the processor starts (empty or duplicate names, unknown status codes, bad regular
// expressions), it is reported here at validation, with its path. Policy types and options this collector does not
// run are named `unsupported:` at their path.
import { z } from 'zod';
import { re2Problem } from '../../contract/re2.ts';
import { duration } from '../config/duration.ts';
import { errorModeSchema } from './filter-conditions.ts';
import { compileCondition, OttlError } from './ottl.ts';
import { isStateful } from './tail-sampling-decision.ts';

const int = z.number().int();
const count = int.min(0);

const latency = z.strictObject({ threshold_ms: int.default(0), upper_threshold_ms: int.default(0) });
const numericAttribute = z.strictObject({ key: z.string().default(''), min_value: int.default(0), max_value: int.default(0), invert_match: z.boolean().default(false) });
const probabilistic = z.strictObject({ hash_salt: z.string().default(''), sampling_percentage: z.number().default(0) });
const statusCode = z.strictObject({ status_codes: z.array(z.string()).default([]) });
const stringAttribute = z.strictObject({
  key: z.string().default(''),
  values: z.array(z.string()).default([]),
  enabled_regex_matching: z.boolean().default(false),
  cache_max_size: int.default(0),
  invert_match: z.boolean().default(false),
});

const booleanAttribute = z.strictObject({ key: z.string().default(''), value: z.boolean().default(false), invert_match: z.boolean().default(false) });
const spanCount = z.strictObject({ min_spans: int.default(0), max_spans: int.default(0) });
const traceState = z.strictObject({ key: z.string().default(''), values: z.array(z.string()).default([]) });
const rateLimiting = z.strictObject({ spans_per_second: int.default(0), burst_capacity: int.default(0) });
const bytesLimiting = z.strictObject({ bytes_per_second: int.default(0), burst_capacity: int.default(0) });
const ottlCondition = z.strictObject({ error_mode: errorModeSchema.optional(), span: z.array(z.string()).default([]), spanevent: z.array(z.string()).default([]) });

/** Types a policy, an `and`, `drop` or `composite` sub-policy and a `not` sub-policy may have. */
const SHARED_TYPES = [
  'always_sample', 'latency', 'numeric_attribute', 'probabilistic', 'status_code', 'string_attribute', 'boolean_attribute', 'span_count', 'trace_flags',
  'trace_state', 'rate_limiting', 'bytes_limiting', 'ottl_condition',
];

const sharedFields = {
  name: z.string().default(''),
  type: z.string().default(''),
  latency: latency.default(latency.parse({})),
  numeric_attribute: numericAttribute.default(numericAttribute.parse({})),
  probabilistic: probabilistic.default(probabilistic.parse({})),
  status_code: statusCode.default(statusCode.parse({})),
  string_attribute: stringAttribute.default(stringAttribute.parse({})),
  boolean_attribute: booleanAttribute.default(booleanAttribute.parse({})),
  span_count: spanCount.default(spanCount.parse({})),
  trace_state: traceState.default(traceState.parse({})),
  rate_limiting: rateLimiting.default(rateLimiting.parse({})),
  ottl_condition: ottlCondition.default(ottlCondition.parse({})),
  bytes_limiting: bytesLimiting.default(bytesLimiting.parse({})),
};

const sharedPolicy = z.strictObject(sharedFields);
const notConfig = z.strictObject({ not_sub_policy: sharedPolicy.default(sharedPolicy.parse({})) });
const andSubPolicy = z.strictObject({ ...sharedFields, not: notConfig.default(notConfig.parse({})) });
const andConfig = z.strictObject({ and_sub_policy: z.array(andSubPolicy).default([]) });
const dropConfig = z.strictObject({ drop_sub_policy: z.array(andSubPolicy).default([]) });
const compositeSubPolicy = z.strictObject({ ...sharedFields, and: andConfig.default({ and_sub_policy: [] }) });
const compositeConfig = z.strictObject({
  max_total_spans_per_second: int.default(0),
  policy_order: z.array(z.string()).default([]),
  composite_sub_policy: z.array(compositeSubPolicy).default([]),
  rate_allocation: z.array(z.strictObject({ policy: z.string().default(''), percent: int.default(0) })).default([]),
});

const policy = z.strictObject({
  ...sharedFields,
  composite: compositeConfig.default(compositeConfig.parse({})),
  and: andConfig.default({ and_sub_policy: [] }),
  not: notConfig.default(notConfig.parse({})),
  drop: dropConfig.default({ drop_sub_policy: [] }),
});

export type SharedPolicyConfig = z.output<typeof sharedPolicy>;
export type AndSubPolicyConfig = z.output<typeof andSubPolicy>;
export type CompositeConfig = z.output<typeof compositeConfig>;
export type PolicyConfig = z.output<typeof policy>;

export const tailSamplingConfigSchema = z
  .strictObject({
    decision_wait: duration.default(30_000),
    decision_wait_after_root_received: duration.default(0),
    num_traces: count.default(50_000),
    block_on_overflow: z.boolean().default(false),
    expected_new_traces_per_sec: count.default(0),
    policies: z.array(policy).default([]),
    decision_cache: z.strictObject({ sampled_cache_size: int.default(0), non_sampled_cache_size: int.default(0) }).default({ sampled_cache_size: 0, non_sampled_cache_size: 0 }),
    tail_storage: z.string().optional(),
    sample_on_first_match: z.boolean().default(false),
    sampling_strategy: z.string().default('trace-complete'),
    drop_pending_traces_on_shutdown: z.boolean().default(false),
    maximum_trace_size_bytes: count.default(0),
    num_shards: count.default(1),
  })
  .superRefine((config, ctx) => {
    const problem = (path: (string | number)[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
    if (config.sampling_strategy !== 'trace-complete' && config.sampling_strategy !== 'span-ingest') {
      problem(['sampling_strategy'], `invalid sampling_strategy "${config.sampling_strategy}", expected one of "trace-complete" or "span-ingest"`);
    }
    if (config.num_shards > 256) problem(['num_shards'], `num_shards (${config.num_shards}) must not exceed 256`);
    if (config.tail_storage !== undefined) {
      // Upstream refuses it too, unless its alpha feature gate is on.
      problem(['tail_storage'], `'tail_storage' requires the "processor.tailsamplingprocessor.tailstorageextension" feature gate, which this collector does not have`);
    }
    const names = new Set<string>();
    config.policies.forEach((entry, i) => {
      if (entry.name === '') problem(['policies', i, 'name'], 'policy name cannot be empty');
      else if (names.has(entry.name)) problem(['policies', i, 'name'], `duplicate policy name "${entry.name}"`);
      names.add(entry.name);
      const path = ['policies', i];
      if (entry.type === 'composite') compositeProblems(entry.composite, [...path, 'composite'], problem);
      else if (entry.type === 'and') andProblems(entry.and.and_sub_policy, [...path, 'and', 'and_sub_policy'], problem);
      else if (entry.type === 'drop') andProblems(entry.drop.drop_sub_policy, [...path, 'drop', 'drop_sub_policy'], problem);
      else if (entry.type === 'not') sharedProblems(entry.not.not_sub_policy, [...path, 'not', 'not_sub_policy'], problem);
      else sharedProblems(entry, path, problem);
      if (config.sampling_strategy === 'span-ingest' && isStateful(entry)) {
        problem(path, `sampling_strategy "span-ingest" requires all policies to be stateless, but policy "${entry.name}" is stateful`);
      }
    });
  });

export type TailSamplingConfig = z.output<typeof tailSamplingConfigSchema>;

type Problem = (path: (string | number)[], message: string) => void;

function andProblems(subs: readonly AndSubPolicyConfig[], path: (string | number)[], problem: Problem): void {
  subs.forEach((sub, i) => {
    if (sub.type === 'not') sharedProblems(sub.not.not_sub_policy, [...path, i, 'not', 'not_sub_policy'], problem);
    else sharedProblems(sub, [...path, i], problem);
  });
}

function compositeProblems(config: CompositeConfig, path: (string | number)[], problem: Problem): void {
  config.composite_sub_policy.forEach((sub, i) => {
    if (sub.type === 'and') andProblems(sub.and.and_sub_policy, [...path, 'composite_sub_policy', i, 'and', 'and_sub_policy'], problem);
    else sharedProblems(sub, [...path, 'composite_sub_policy', i], problem);
  });
}

function sharedProblems(config: SharedPolicyConfig, path: (string | number)[], problem: Problem): void {
  const { type } = config;
  if (!SHARED_TYPES.includes(type)) return problem([...path, 'type'], `unknown sampling policy type ${type}`);
  if (type === 'status_code') {
    const codes = config.status_code.status_codes;
    if (codes.length === 0) problem([...path, 'status_code', 'status_codes'], 'expected at least one status code to filter on');
    codes.forEach((code, i) => {
      if (!['OK', 'ERROR', 'UNSET'].includes(code)) problem([...path, 'status_code', 'status_codes', i], `unknown status code "${code}", supported: OK, ERROR, UNSET`);
    });
  }
  if (type === 'string_attribute' && config.string_attribute.enabled_regex_matching) {
    config.string_attribute.values.forEach((value, i) => {
      const message = re2Problem(value);
      if (message) problem([...path, 'string_attribute', 'values', i], message);
    });
  }
  if (type === 'ottl_condition') ottlProblems(config.ottl_condition, [...path, 'ottl_condition'], problem);
  if (type === 'numeric_attribute' && config.numeric_attribute.min_value === 0 && config.numeric_attribute.max_value === 0) {
    // Upstream logs this and then fails when the policy is first evaluated.
    problem([...path, 'numeric_attribute'], 'at least one of min_value or max_value must be set');
  }
}

function ottlProblems(config: SharedPolicyConfig['ottl_condition'], path: (string | number)[], problem: Problem): void {
  if (config.span.length === 0 && config.spanevent.length === 0) problem(path, 'expected at least one OTTL condition to filter on');
  if (config.spanevent.length > 0) problem([...path, 'spanevent'], 'unsupported: span event conditions (ottl_condition.spanevent)');
  config.span.forEach((text, i) => {
    try {
      compileCondition(text, 'span');
    } catch (error) {
      if (!(error instanceof OttlError)) throw error;
      problem([...path, 'span', i], error.message);
    }
  });
}
