// Building blocks for the TelemetryPipeline zod schema that carry their CRD (OpenAPI) form with them,
// so the zod checks and the API server's checks are written once, side by side.
import { z } from 'zod';
import { QUANTITY_PATTERN, isQuantity } from './quantity.ts';
import { parseDuration } from '../contract/duration.ts';
import { compileRe2 } from '../contract/re2.ts';

/**
 * A cross-field rule: `rule` is the CEL the API server evaluates, `holds` the same check for parseSpec.
 * The API server also checks a schema's `default: {}` values against the rules, before nested defaults are
 * filled in, so a rule over defaulted fields must guard them with has(); `holds` sees defaults applied.
 */
export interface CrossFieldRule<T> {
  rule: string;
  message: string;
  /** Relative JSON path (".minReplicas") the API server reports the error on; parseSpec uses it too. */
  fieldPath?: string;
  holds: (value: T) => boolean;
}

/** Attach rules both as a zod refinement and as `x-kubernetes-validations` for the CRD. */
export function withRules<S extends z.ZodType>(schema: S, rules: CrossFieldRule<z.output<S>>[]): S {
  const refined = schema.superRefine((value, ctx) => {
    for (const r of rules) {
      if (!holdsOrUnknown(r, value)) ctx.addIssue({ code: 'custom', message: r.message, path: fieldPathSegments(r.fieldPath) });
    }
  });
  const validations = rules.map(({ rule, message, fieldPath }) => (fieldPath ? { rule, message, fieldPath } : { rule, message }));
  return refined.meta({ 'x-kubernetes-validations': validations }) as S;
}

// zod still runs object refinements after non-fatal field issues (an unparsable quantity string); the field's own
// issue is already reported then, so a rule that cannot be evaluated adds nothing.
function holdsOrUnknown<T>(rule: CrossFieldRule<T>, value: T): boolean {
  try {
    return rule.holds(value);
  } catch {
    return true;
  }
}

function fieldPathSegments(fieldPath: string | undefined): string[] {
  return fieldPath ? fieldPath.split('.').filter((s) => s !== '') : [];
}

/**
 * A Kubernetes quantity: a string like "500m" or "2Gi", or an integer as YAML writes `cpu: 2`.
 * In the CRD it is `x-kubernetes-int-or-string` with the quantity pattern (no typed anyOf).
 */
export function quantity(description: string) {
  return z
    .union([z.string().max(64).refine(isQuantity, 'must be a quantity such as 500m, 2, 512Mi or 2Gi'), z.number().int().min(0)])
    .meta({ description, 'x-kubernetes-int-or-string': true, pattern: QUANTITY_PATTERN, maxLength: 64 });
}

/**
 * Durations as the collector config writes them ("5s", "1m30s", "300ms"): whole numbers with units h, m, s, ms,
 * a subset of Go's time.ParseDuration that CEL's duration() and both collectors parse alike.
 */
export const DURATION_PATTERN = '^([0-9]+(h|m|s|ms))+$';

export function duration(description: string) {
  return z.string().max(32).regex(new RegExp(DURATION_PATTERN), 'must be a duration such as 500ms, 5s, 1m30s').describe(description);
}

/** Milliseconds of a duration; throws on text that is not one (its field's pattern already reports that). */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`invalid duration "${text}"`);
  return ms;
}

/**
 * A string matching an RE2 `pattern` (anchor it): parseSpec tests it with re2js and the API server with Go's regexp
 * as the CRD `pattern`, the same syntax and semantics, in time linear in the input on both sides.
 */
export function re2String(pattern: string, message: string, rules: CrossFieldRule<string>[] = []) {
  const re = compileRe2(pattern);
  let schema = z.string().refine((text) => re.test(text), message);
  for (const r of rules) schema = schema.refine(r.holds, r.message);
  const validations = rules.map(({ rule, message }) => ({ rule, message }));
  return schema.meta({ pattern, ...(validations.length > 0 ? { 'x-kubernetes-validations': validations } : {}) });
}
