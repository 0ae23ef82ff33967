// probabilistic_sampler processor, upstream's default hash_seed mode: an item is kept when the FNV-1a
// hash of (hash_seed, trace id) falls in the lowest sampling_percentage of 2^14 buckets. The decision
// depends only on the trace id and the seed, so every span of a trace, on every collector with the same
// seed, is kept or dropped together. Log records use their trace id, or `from_attribute` when they have
// none (or when attribute_source is `record`); items without either fail closed by default, as upstream.
import { z } from 'zod';
import type { Payload, ProcessorFactory, Signal } from '../component.ts';
import { findAttribute, keyBytes } from '../otlp/attributes.ts';
import { decodeAnyValue, anyValueText } from '../otlp/any-value.ts';
import { firstLenField } from '../otlp/fields.ts';
import { rewriteItems, type ItemContext, type ItemVisitor } from '../otlp/index.ts';
import { LOG_TRACE_ID, SPAN_TRACE_ID } from '../otlp/schema.ts';
import { sharedCounter } from './shared-counter.ts';

export const samplerConfigSchema = z
  .strictObject({
    sampling_percentage: z.number().default(0),
    hash_seed: z.number().int().min(0).max(0xffffffff).default(0),
    // Only upstream's default (hash_seed) mode; the OTEP 235 modes rewrite tracestate and are not offered.
    mode: z.enum(['', 'hash_seed']).default(''),
    fail_closed: z.boolean().default(true),
    sampling_precision: z.number().int().min(1).max(14).default(4),
    attribute_source: z.enum(['traceID', 'record']).default('traceID'),
    from_attribute: z.string().default(''),
    sampling_priority: z.string().default(''),
  })
  .superRefine((config, ctx) => {
    const percentage = config.sampling_percentage;
    if (!Number.isFinite(percentage)) ctx.addIssue({ code: 'custom', path: ['sampling_percentage'], message: `sampling rate is invalid: ${percentage}%` });
    else if (percentage < 0) ctx.addIssue({ code: 'custom', path: ['sampling_percentage'], message: `negative sampling rate: ${percentage}%` });
    if (config.attribute_source === 'record' && config.from_attribute === '') {
      ctx.addIssue({ code: 'custom', path: ['from_attribute'], message: 'is required when attribute_source is "record"' });
    }
  });

export type SamplerConfig = z.output<typeof samplerConfigSchema>;

const BUCKETS = 0x4000;
const BUCKET_MASK = BUCKETS - 1;
// 2^14 / 100 as a float32, the way upstream scales the configured percentage.
const SCALE = Math.fround(BUCKETS / 100);

/** Accepted buckets (of 2^14) for a percentage, computed in float32 and truncated as upstream does. */
export function scaledRate(percentage: number): number {
  const clamped = Math.min(percentage, 100);
  return Math.max(0, Math.trunc(Math.fround(Math.fround(clamped) * SCALE)));
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32 over the seed's 4 little-endian bytes, then `bytes` (upstream's computeHash). */
export function fnvHash(bytes: Uint8Array, seed: number): number {
  let hash = FNV_OFFSET;
  for (let shift = 0; shift < 32; shift += 8) hash = Math.imul(hash ^ ((seed >>> shift) & 0xff), FNV_PRIME) >>> 0;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, FNV_PRIME) >>> 0;
  return hash >>> 0;
}

function isEmptyId(id: Uint8Array | undefined): boolean {
  if (!id || id.length === 0) return true;
  for (let i = 0; i < id.length; i++) if (id[i] !== 0) return false;
  return true;
}

/** How an item was decided: by its trace id, by the from_attribute value, or not at all (no source). */
export const BY_TRACE_ID = 0;
export const BY_ATTRIBUTE = 1;
export const MISSING = 2;

/** An outcome is the policy (BY_TRACE_ID, BY_ATTRIBUTE, MISSING) times 2, plus 1 when sampled. */
export type Outcome = number;

/** The keep decision for one item, as an Outcome. MISSING items are never marked sampled here. */
export function samplerDecision(config: SamplerConfig, signal: Signal): (item: Uint8Array, context: ItemContext) => Outcome {
  const rate = scaledRate(config.sampling_percentage);
  const seed = config.hash_seed;
  const sampled = (bytes: Uint8Array, itemRate: number): number => ((fnvHash(bytes, seed) & BUCKET_MASK) < itemRate ? 1 : 0);
  // 0 % drops everything, with or without a trace id (upstream's never-sampler).
  if (rate === 0 && (signal === 'traces' || !config.sampling_priority)) return () => BY_TRACE_ID * 2;
  if (signal === 'traces') {
    return (item) => {
      const traceId = firstLenField(item, SPAN_TRACE_ID, 'Span');
      return isEmptyId(traceId) ? MISSING * 2 : BY_TRACE_ID * 2 + sampled(traceId!, rate);
    };
  }
  const useTraceId = config.attribute_source === 'traceID';
  const source = config.from_attribute ? keyBytes(config.from_attribute) : undefined;
  const priority = config.sampling_priority ? keyBytes(config.sampling_priority) : undefined;
  return (item, context) => {
    const itemRate = priority ? priorityRate(item, context.attributesField, priority, rate) : rate;
    if (useTraceId) {
      const traceId = firstLenField(item, LOG_TRACE_ID, 'LogRecord');
      if (!isEmptyId(traceId)) return BY_TRACE_ID * 2 + sampled(traceId!, itemRate);
    }
    const bytes = source ? attributeBytes(item, context.attributesField, source) : undefined;
    return bytes ? BY_ATTRIBUTE * 2 + sampled(bytes, itemRate) : MISSING * 2;
  };
}

/** Bytes of a log record attribute to hash: the raw bytes of a bytes value, else its text. */
function attributeBytes(item: Uint8Array, field: number, key: Uint8Array): Uint8Array | undefined {
  const encoded = findAttribute(item, field, key);
  if (!encoded) return undefined;
  const value = decodeAnyValue(encoded);
  const bytes = value.type === 'bytes' ? value.value : Buffer.from(anyValueText(value) ?? '', 'utf8');
  return bytes.length > 0 ? bytes : undefined;
}

/** A numeric sampling_priority attribute replaces the configured percentage for that record. */
function priorityRate(item: Uint8Array, field: number, key: Uint8Array, rate: number): number {
  const encoded = findAttribute(item, field, key);
  if (!encoded) return rate;
  const value = decodeAnyValue(encoded);
  if (value.type === 'double') return scaledRate(value.value);
  if (value.type === 'int') return scaledRate(Number(value.value));
  return rate;
}

const COUNTERS: Partial<Record<Signal, string>> = {
  traces: 'otelcol_processor_probabilistic_sampler_count_traces_sampled',
  logs: 'otelcol_processor_probabilistic_sampler_count_logs_sampled',
};

export const probabilisticSamplerFactory: ProcessorFactory<SamplerConfig> = {
  type: 'probabilistic_sampler',
  signals: ['traces', 'logs'],
  configSchema: samplerConfigSchema,
  create(ctx, config, signal, next) {
    const decide = samplerDecision(config, signal);
    const dropped = ctx.telemetry.processor(ctx.id);
    const counter = sharedCounter(ctx.telemetry, COUNTERS[signal]!, `Count of ${signal} that were sampled or not`, ['processor', 'policy', 'sampled']);
    const policies = ['trace_id_hash', config.from_attribute, 'missing_randomness'];
    // Per outcome: how many items of this request, and the counter child it is added to.
    const tallies = new Array<number>(6).fill(0);
    const children = tallies.map((_, outcome) => {
      const policy = policies[outcome >> 1]!;
      const sampled = outcome >> 1 === MISSING ? !config.fail_closed : (outcome & 1) === 1;
      return counter.labels({ processor: ctx.id, policy, sampled: String(sampled) });
    });
    const visit: ItemVisitor = (item, context) => {
      const outcome = decide(item, context);
      tallies[outcome]!++;
      if (outcome >> 1 === MISSING) return config.fail_closed ? null : item;
      return (outcome & 1) === 1 ? item : null;
    };
    return {
      consume(payload: Payload) {
        tallies.fill(0);
        const result = rewriteItems(payload, visit);
        for (let outcome = 0; outcome < tallies.length; outcome++) if (tallies[outcome]! > 0) children[outcome]!.inc(tallies[outcome]!);
        if (result.dropped > 0) dropped.dropped(signal, result.dropped);
        if (result.payload.items === 0) return;
        return next.consume(result.payload);
      },
    };
  },
};
