// probabilistic_sampler processor, as upstream's: hash_seed mode (the default: FNV-1a of seed and trace id, or of
// `from_attribute` for logs without one, against 2^14 buckets), and the OTEP 235 modes `equalizing` and
// `proportional` (randomness from the tracestate's rv or the trace id's last 7 bytes, thresholds in `th`). A kept
// span's tracestate gets `ot=rv:...;th:...` (hash_seed) or its updated `th`; a kept log record gets
// `sampling.randomness` / `sampling.threshold` attributes. `sampling.priority` on a span (> 0 keeps, 0 drops) and
// the `sampling_priority` attribute of a log record (a percentage) override the decision.
import { z } from 'zod';
import type { Payload, ProcessorFactory, Signal } from '../component.ts';
import { decodeAnyValue, type AnyValue } from '../otlp/any-value.ts';
import { AttributeEditor, findAttribute, keyBytes } from '../otlp/attributes.ts';
import { firstLenField } from '../otlp/fields.ts';
import { anyValueAsString } from '../otlp/go-text.ts';
import { rewriteItems, type ItemVisitor } from '../otlp/index.ts';
import { LOG_TRACE_ID, SPAN_TRACE_ID } from '../otlp/schema.ts';
import { goParseFloat } from './go-parse.ts';
import {
  ALL_PROBABILITIES, ALWAYS_SAMPLE, MIN_SAMPLING_PROBABILITY, NEVER_SAMPLE, probabilityToThreshold, SamplingError, thresholdProbability,
  traceIdRandomness,
} from './sampling-values.ts';
import { logCarrier, spanCarrier, type Carrier } from './sampling-carriers.ts';
import { sharedCounter } from './shared-counter.ts';

const MODES = ['', 'hash_seed', 'equalizing', 'proportional'] as const;

export const samplerConfigSchema = z
  .strictObject({
    sampling_percentage: z.number().default(0),
    hash_seed: z.number().int().min(0).max(0xffffffff).default(0),
    mode: z.enum(MODES, { error: (issue) => `unsupported sampler mode "${String(issue.input)}"` }).default(''),
    fail_closed: z.boolean().default(true),
    sampling_precision: z.number().int().default(4),
    attribute_source: z.enum(['', 'traceID', 'record'], { error: (issue) => `invalid attribute source: ${String(issue.input)}. Expected: traceID or record` }).default('traceID'),
    from_attribute: z.string().default(''),
    sampling_priority: z.string().default(''),
  })
  .superRefine((config, ctx) => {
    const problem = (path: string, message: string): void => ctx.addIssue({ code: 'custom', path: [path], message });
    const percentage = Math.fround(config.sampling_percentage);
    if (!Number.isFinite(percentage)) problem('sampling_percentage', `sampling rate is invalid: ${config.sampling_percentage}%`);
    else if (percentage < 0) problem('sampling_percentage', `sampling rate is negative: ${config.sampling_percentage}%`);
    else if (percentage > 0 && percentage / 100 < MIN_SAMPLING_PROBABILITY) problem('sampling_percentage', `sampling rate is too small: ${config.sampling_percentage}%`);
    if (config.sampling_precision === 0) problem('sampling_precision', 'invalid sampling precision: 0');
    else if (config.sampling_precision > 14) problem('sampling_precision', `sampling precision is too great, should be <= 14: ${config.sampling_precision}`);
  });

export type SamplerConfig = z.output<typeof samplerConfigSchema>;

const BUCKETS = 0x4000;
// 2^14 / 100 as a float32, the way upstream scales the configured percentage.
const SCALE = Math.fround(BUCKETS / 100);

/** Accepted buckets (of 2^14) for a percentage, computed in float32 and truncated as upstream does. */
export function scaledRate(percentage: number): number {
  const clamped = Math.min(Math.fround(percentage), 100);
  return Math.max(0, Math.trunc(Math.fround(clamped * SCALE)));
}

/** FNV-1a 32 over the seed's 4 little-endian bytes, then `bytes` (upstream's computeHash). */
export function fnvHash(bytes: Uint8Array, seed: number): number {
  let hash = 0x811c9dc5;
  for (let shift = 0; shift < 32; shift += 8) hash = Math.imul(hash ^ ((seed >>> shift) & 0xff), 0x01000193) >>> 0;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193) >>> 0;
  return hash >>> 0;
}

/** Upstream's randomnessFromBytes: the 14 hash bits a hash_seed decision uses, spread over 56 bits. */
export function hashRandomness(bytes: Uint8Array, seed: number): bigint {
  const hashed32 = fnvHash(bytes, seed);
  const hashed = BigInt(hashed32 & (BUCKETS - 1));
  const unused18 = BigInt(hashed32 >>> 18);
  const mixed28 = unused18 ^ (unused18 << 10n);
  return ((BigInt(BUCKETS) - 1n - hashed) << 42n) | (mixed28 << 14n) | hashed;
}

type Sampler =
  | { readonly kind: 'never' }
  | { readonly kind: 'hash'; readonly threshold: bigint }
  | { readonly kind: 'equalizing'; readonly threshold: bigint }
  | { readonly kind: 'proportional'; readonly ratio: number; readonly precision: number };

function makeSampler(config: SamplerConfig): Sampler {
  const percentage = Math.min(Math.fround(config.sampling_percentage), 100);
  if (percentage === 0) return { kind: 'never' };
  const ratio = Math.max(percentage / 100, MIN_SAMPLING_PROBABILITY);
  if (config.mode === 'equalizing') return { kind: 'equalizing', threshold: probabilityToThreshold(ratio, config.sampling_precision)! };
  if (config.mode === 'proportional') return { kind: 'proportional', ratio, precision: config.sampling_precision };
  const rate = scaledRate(config.sampling_percentage);
  return rate === 0 ? { kind: 'never' } : { kind: 'hash', threshold: BigInt(BUCKETS - rate) << 42n };
}

function decide(sampler: Sampler, carrier: Carrier | undefined): bigint {
  const arriving = carrier?.threshold();
  switch (sampler.kind) {
    case 'never': return NEVER_SAMPLE;
    case 'hash': return sampler.threshold;
    case 'equalizing': return arriving !== undefined && sampler.threshold < arriving ? arriving : sampler.threshold;
    case 'proportional': {
      const incoming = arriving === undefined ? 1 : thresholdProbability(arriving);
      return probabilityToThreshold(incoming * sampler.ratio, sampler.precision) ?? NEVER_SAMPLE;
    }
  }
}

/** Where an item's randomness came from (the counter's `policy`), or MISSING. */
interface Randomness {
  readonly value: bigint;
  readonly policy: string;
}
const MISSING: Randomness = { value: ALL_PROBABILITIES, policy: 'missing_randomness' };

/** What an item's randomness and carrier are, or the error that makes the fail_closed setting decide. */
interface Source {
  randomness: Randomness;
  carrier: Carrier | undefined;
  error: Error | undefined;
}

function isEmptyId(id: Uint8Array | undefined): boolean {
  if (!id) return true;
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false;
  return true;
}

/** randomnessFromSpan / randomnessFromLogRecord of upstream's samplers. */
function source(sampler: Sampler, config: SamplerConfig, signal: Signal, item: Uint8Array, carrierOf: () => Carrier, attribute: (key: Uint8Array) => AnyValue | undefined): Source {
  const traceId = firstLenField(item, signal === 'traces' ? SPAN_TRACE_ID : LOG_TRACE_ID, signal === 'traces' ? 'Span' : 'LogRecord');
  const carrier = carrierOf();
  const error = carrier.error;
  if (sampler.kind === 'never') return { randomness: { value: ALL_PROBABILITIES, policy: 'sampling_priority' }, carrier, error };
  if (sampler.kind !== 'hash') {
    const explicit = carrier?.randomness();
    const randomness = error ? MISSING
      : explicit !== undefined ? { value: explicit, policy: 'sampling_randomness' }
      : !isEmptyId(traceId) ? { value: traceIdRandomness(traceId!), policy: 'trace_id_w3c' } : MISSING;
    return { randomness, carrier: error ? undefined : carrier, error };
  }
  let randomness = MISSING;
  if ((signal === 'traces' || config.attribute_source === 'traceID') && !isEmptyId(traceId)) {
    randomness = { value: hashRandomness(traceId!, config.hash_seed), policy: 'trace_id_hash' };
  }
  if (signal === 'logs' && randomness === MISSING && config.from_attribute !== '') {
    const value = attribute(keyBytes(config.from_attribute));
    const bytes = value === undefined ? undefined : value.type === 'bytes' ? value.value : Buffer.from(anyValueAsString(value), 'utf8');
    if (bytes && bytes.length > 0) randomness = { value: hashRandomness(bytes, config.hash_seed), policy: config.from_attribute };
  }
  if (error) return { randomness, carrier: undefined, error };
  if (carrier.randomness() !== undefined) return { randomness, carrier: undefined, error: new SamplingError('item has sampling randomness, equalizing or proportional mode recommended') };
  if (carrier.threshold() !== undefined) return { randomness, carrier: undefined, error: new SamplingError('item has sampling threshold, equalizing or proportional mode recommended') };
  if (signal === 'traces' || randomness !== MISSING) carrier.setRandomness(randomness.value);
  return { randomness, carrier, error };
}

function consistencyError(randomness: Randomness, carrier: Carrier | undefined): Error | undefined {
  if (randomness === MISSING) return new SamplingError('missing randomness');
  const arriving = carrier?.threshold();
  if (arriving !== undefined && arriving > randomness.value) {
    carrier!.clearThreshold();
    return new SamplingError('inconsistent arriving threshold: item should not have been sampled');
  }
  return undefined;
}

/** A span's `sampling.priority`: a number (or numeric string) > 0 keeps it, 0 drops it, anything else defers. */
function spanPriority(value: AnyValue | undefined): bigint | undefined {
  if (!value) return undefined;
  const number = value.type === 'int' ? Number(value.value) : value.type === 'double' ? value.value : value.type === 'string' ? goParseFloat(value.value) : undefined;
  if (number === undefined || Number.isNaN(number)) return undefined;
  return number === 0 ? NEVER_SAMPLE : number > 0 ? ALWAYS_SAMPLE : undefined;
}

/** A log record's sampling_priority attribute: a minimum percentage, as a threshold. */
function logPriority(value: AnyValue | undefined, precision: number): bigint | undefined {
  const percentage = value?.type === 'double' ? value.value : value?.type === 'int' ? Number(value.value) : 0;
  return percentage === 0 ? undefined : probabilityToThreshold(percentage / 100, precision);
}

const SAMPLING_PRIORITY = keyBytes('sampling.priority');

const COUNTERS: Partial<Record<Signal, string>> = {
  traces: 'otelcol_processor_probabilistic_sampler_count_traces_sampled',
  logs: 'otelcol_processor_probabilistic_sampler_count_logs_sampled',
};

export const probabilisticSamplerFactory: ProcessorFactory<SamplerConfig> = {
  type: 'probabilistic_sampler',
  signals: ['traces', 'logs'],
  configSchema: samplerConfigSchema,
  create(ctx, config, signal, next) {
    const sampler = makeSampler(config);
    const counter = sharedCounter(ctx.telemetry, COUNTERS[signal]!, `Count of ${signal} that were sampled or not`, ['policy', 'sampled']);
    const tallies = new Map<string, number>();
    const priorityKey = config.sampling_priority === '' ? undefined : keyBytes(config.sampling_priority);
    const editor = new AttributeEditor();
    const visit: ItemVisitor = (item, context) => {
      // Spans are read in place; a log record's attributes are loaded for editing (its carrier writes to them).
      if (signal === 'logs') editor.load(item, context.attributesField);
      const attribute = (key: Uint8Array): AnyValue | undefined => {
        if (signal === 'traces') {
          const found = findAttribute(item, context.attributesField, key);
          return found === undefined ? undefined : decodeAnyValue(found);
        }
        const index = editor.find(key);
        return index < 0 ? undefined : decodeAnyValue(editor.value(index));
      };
      const carrierOf = signal === 'traces' ? () => spanCarrier(item) : () => logCarrier(editor);
      const found = source(sampler, config, signal, item, carrierOf, attribute);
      let { randomness } = found;
      const error = found.error ?? consistencyError(randomness, found.carrier);
      let threshold = error ? (config.fail_closed ? NEVER_SAMPLE : ALWAYS_SAMPLE) : decide(sampler, found.carrier);
      const priority = signal === 'traces' ? spanPriority(attribute(SAMPLING_PRIORITY)) : priorityKey && logPriority(attribute(priorityKey), config.sampling_precision);
      if (priority !== undefined) {
        threshold = priority;
        randomness = { value: randomness.value, policy: 'sampling_priority' };
      }
      const sampled = threshold <= randomness.value;
      const tally = `${randomness.policy}\u0000${sampled}`;
      tallies.set(tally, (tallies.get(tally) ?? 0) + 1);
      if (!sampled) return null;
      if (!found.carrier) return item;
      found.carrier.keep(threshold);
      return found.carrier.result() ?? item;
    };
    return {
      consume(payload: Payload) {
        tallies.clear();
        const result = rewriteItems(payload, visit);
        for (const [tally, count] of tallies) {
          const [policy, sampled] = tally.split('\u0000') as [string, string];
          counter.labels({ policy, sampled }).inc(count);
        }
        if (result.payload.items === 0) return;
        return next.consume(result.payload);
      },
    };
  },
};
