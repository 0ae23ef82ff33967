// The TelemetryPipeline resource: types with defaults applied, and parsing that reports field paths.
import { z } from 'zod';
import { API_VERSION, KIND } from './constants.ts';
import { SpecSchema } from './spec.ts';
import { StatusSchema } from './status.ts';

export { SpecSchema, SIGNALS, GUIDE_CAPACITY } from './spec.ts';
export type { Signal, TelemetryPipelineSpec, TelemetryPipelineSpecInput } from './spec.ts';
export { StatusSchema, ConditionSchema, AutoscalingStatusSchema, CONDITION_TYPES } from './status.ts';
export type { Condition, ConditionType, AutoscalingStatus, TelemetryPipelineStatus } from './status.ts';
export { BATCH_PROFILES } from './spec-processors.ts';
export type { BatchProfile, AttributeAction, Filter, Processors } from './spec-processors.ts';
export type { Exporter, OtlpClient } from './spec-exporters.ts';

/**
 * Owned objects are named `<name>-collector` and a Service name must be a DNS-1035 label (<= 63 characters),
 * so the pipeline name is one of at most 53.
 */
export const MAX_NAME_LENGTH = 53;
export const NAME_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

export const MetadataSchema = z.looseObject({
  name: z
    .string()
    .min(1)
    .max(MAX_NAME_LENGTH)
    .regex(new RegExp(NAME_PATTERN), 'must start with a letter and hold only lower-case letters, digits and "-"'),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const TelemetryPipelineSchema = z.looseObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: MetadataSchema,
  spec: SpecSchema,
  status: StatusSchema.optional(),
});

export type TelemetryPipeline = z.output<typeof TelemetryPipelineSchema>;

export interface FieldIssue {
  path: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** `spec.exporters[0].otlp.endpoint` from zod's path segments. */
export function formatPath(prefix: string, segments: readonly PropertyKey[]): string {
  let path = prefix;
  for (const s of segments) path += typeof s === 'number' ? `[${s}]` : path === '' ? String(s) : `.${String(s)}`;
  return path;
}

function toIssues(prefix: string, error: z.ZodError): FieldIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: formatPath(prefix, [...issue.path, key]), message: 'unknown field' }))
      : [{ path: formatPath(prefix, issue.path), message: issue.message }],
  );
}

function parseWith<S extends z.ZodType>(schema: S, prefix: string, raw: unknown): ParseResult<z.output<S>> {
  const result = schema.safeParse(raw);
  return result.success ? { ok: true, value: result.data } : { ok: false, issues: toIssues(prefix, result.error) };
}

/** Validate a spec and apply defaults; issue paths start with `spec.`. Unknown fields are errors, never dropped. */
export function parseSpec(
  raw: unknown,
): { ok: true; spec: z.output<typeof SpecSchema> } | { ok: false; issues: FieldIssue[] } {
  const result = parseWith(SpecSchema, 'spec', raw);
  return result.ok ? { ok: true, spec: result.value } : result;
}

/** Validate a whole TelemetryPipeline object (as read from a file or the API server) and apply spec defaults. */
export function parsePipeline(raw: unknown): { ok: true; pipeline: TelemetryPipeline } | { ok: false; issues: FieldIssue[] } {
  const result = parseWith(TelemetryPipelineSchema, '', raw);
  return result.ok ? { ok: true, pipeline: result.value } : result;
}
