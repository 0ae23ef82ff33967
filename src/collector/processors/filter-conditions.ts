// The filter processor's OTTL forms: per-context lists (traces.resource/span, logs.resource/log_record,
// metrics.resource/metric/datapoint) and the context-inferred lists (trace_conditions, log_conditions,
// metric_conditions: plain strings, or groups {context, conditions, error_mode}). Each becomes a drop decision per
// item; a resource or scope condition is evaluated once per resource or scope and drops all of its items.
import { z } from 'zod';
import type { Signal } from '../component.ts';
import type { ItemContext } from '../otlp/index.ts';
import { compileConditions, type Condition, namedContexts, type OttlContext, OttlError } from './ottl.ts';

export const errorModeSchema = z.enum(['ignore', 'silent', 'propagate']);

const groupSchema = z.strictObject({
  context: z.string().optional(),
  conditions: z.array(z.string()).default([]),
  error_mode: errorModeSchema.optional(),
});

/** trace_conditions and its siblings: strings, or groups; one style per list, as upstream. */
export const contextConditionsSchema = z
  .array(z.union([z.string(), groupSchema, z.null()]))
  .superRefine((list, ctx) => {
    if (list.some((entry) => entry === null)) ctx.addIssue({ code: 'custom', message: 'condition cannot be empty' });
    const strings = list.some((entry) => typeof entry === 'string');
    const groups = list.some((entry) => entry !== null && typeof entry === 'object');
    if (strings && groups) {
      ctx.addIssue({ code: 'custom', message: 'configuring multiple configuration styles is not supported, please use only Basic configuration or only Advanced configuration' });
    }
  })
  .transform((list) => {
    const strings = list.filter((entry): entry is string => typeof entry === 'string');
    const groups = list.filter((entry): entry is z.output<typeof groupSchema> => entry !== null && typeof entry === 'object');
    return strings.length > 0 ? [{ conditions: strings }] : groups;
  });

export type ContextConditions = { readonly context?: string; readonly conditions: readonly string[] };

/** Contexts of each signal, most specific first: inference picks the first one the conditions name. */
const CONTEXTS: Record<Signal, readonly string[]> = {
  traces: ['spanevent', 'span', 'scope', 'resource'],
  logs: ['log', 'scope', 'resource'],
  metrics: ['datapoint', 'metric', 'scope', 'resource'],
};

/** The context a group runs in: its own, or the most specific one its paths name. Throws OttlError. */
export function groupContext(group: ContextConditions, signal: Signal): OttlContext {
  const allowed = CONTEXTS[signal];
  let context = group.context?.toLowerCase();
  if (context !== undefined && !allowed.includes(context)) {
    throw new OttlError(CONTEXTS.traces.concat(CONTEXTS.logs, CONTEXTS.metrics).includes(context) ? `context "${context}" is not valid for ${signal}` : `unknown context ${context}`);
  }
  if (context === undefined) {
    const named = new Set(group.conditions.flatMap((text) => [...namedContexts(text)]));
    const foreign = [...named].find((name) => !allowed.includes(name));
    if (foreign) throw new OttlError(`context "${foreign}" is not valid for ${signal}`);
    context = allowed.find((name) => named.has(name));
    if (context === undefined) throw new OttlError(`unable to infer the context of conditions ${JSON.stringify(group.conditions)}: prefix their paths with one of ${allowed.join(', ')}`);
  }
  if (context === 'spanevent') throw new OttlError('unsupported: span event conditions (spanevent context)');
  return context === 'log' ? 'log' : (context as OttlContext);
}

/** Evaluates `condition` once per resource (or scope) and reuses the answer for its other items. */
function perContainer(condition: Condition, serial: (ctx: ItemContext) => number): Condition {
  let last = -1;
  let result = false;
  return (item, ctx) => {
    if (serial(ctx) !== last) {
      last = serial(ctx);
      result = condition(item, ctx);
    }
    return result;
  };
}

/** A drop decision for a list of conditions in one context (true drops the item). */
export function contextCondition(conditions: readonly string[], context: OttlContext): Condition {
  const condition = compileConditions(conditions, context);
  if (context === 'resource') return perContainer(condition, (ctx) => ctx.resourceSerial);
  if (context === 'scope') return perContainer(condition, (ctx) => ctx.scopeSerial);
  if (context === 'metric') return perContainer(condition, (ctx) => ctx.metricSerial);
  return condition;
}

/** Any of the conditions drops the item. */
export function anyOf(conditions: readonly Condition[]): Condition | undefined {
  if (conditions.length === 0) return undefined;
  if (conditions.length === 1) return conditions[0];
  return (item, ctx) => conditions.some((condition) => condition(item, ctx));
}
