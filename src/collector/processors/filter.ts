// filter processor (upstream semantics): drops spans, log records and data points matching OTTL conditions
// (filter-conditions.ts: per-context lists and the context-inferred trace/log/metric_conditions; a subset of OTTL,
// see ottl.ts) or the legacy include/exclude form (filter-legacy.ts). Containers left empty are removed, and a
// request left with no items is not passed on.
import { z } from 'zod';
import type { Consumer, ProcessorFactory, Signal } from '../component.ts';
import { rewriteItems, type ItemVisitor } from '../otlp/index.ts';
import {
  legacyProblems, logMatchSchema, logSkip, type Matcher, metricMatchSchema, metricNameMatcher, metricResourceMatcher, regexpSchema,
  spanMatchConfigSchema, spanSkip,
} from './filter-legacy.ts';
import { anyOf, contextCondition, contextConditionsSchema, errorModeSchema, groupContext, type ContextConditions } from './filter-conditions.ts';
import { skipWhen } from './match-properties.ts';
import { compileConditions, type Condition, type OttlContext, OttlError } from './ottl.ts';
import { sharedCounter } from './shared-counter.ts';

const conditions = z.array(z.string()).optional();

export const filterConfigSchema = z
  .strictObject({
    error_mode: errorModeSchema.default('propagate'),
    spans: spanMatchConfigSchema.optional(),
    traces: z.strictObject({ resource: conditions, span: conditions, spanevent: conditions }).optional(),
    logs: z.strictObject({ include: logMatchSchema.optional(), exclude: logMatchSchema.optional(), resource: conditions, log_record: conditions }).optional(),
    metrics: z
      .strictObject({
        include: metricMatchSchema.optional(),
        exclude: metricMatchSchema.optional(),
        regexp: regexpSchema.optional(),
        resource: conditions,
        metric: conditions,
        datapoint: conditions,
      })
      .optional(),
    trace_conditions: contextConditionsSchema.optional(),
    log_conditions: contextConditionsSchema.optional(),
    metric_conditions: contextConditionsSchema.optional(),
  })
  .superRefine((config, ctx) => {
    const problem = (path: (string | number)[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
    const check = (list: string[] | undefined, context: OttlContext, path: string[]): void => {
      for (const [i, text] of (list ?? []).entries()) {
        try {
          compileConditions([text], context);
        } catch (error) {
          if (!(error instanceof OttlError)) throw error;
          problem([...path, i], error.message);
        }
      }
    };
    check(config.traces?.resource, 'resource', ['traces', 'resource']);
    check(config.traces?.span, 'span', ['traces', 'span']);
    check(config.logs?.resource, 'resource', ['logs', 'resource']);
    check(config.logs?.log_record, 'log', ['logs', 'log_record']);
    check(config.metrics?.resource, 'resource', ['metrics', 'resource']);
    check(config.metrics?.metric, 'metric', ['metrics', 'metric']);
    check(config.metrics?.datapoint, 'datapoint', ['metrics', 'datapoint']);
    if (config.traces?.spanevent !== undefined) problem(['traces', 'spanevent'], 'unsupported: span event conditions (traces.spanevent)');
    for (const [field, signal] of [['trace_conditions', 'traces'], ['log_conditions', 'logs'], ['metric_conditions', 'metrics']] as const) {
      for (const [i, group] of (config[field] ?? []).entries()) {
        // A list zod already refused is seen here untransformed.
        if (typeof group !== 'object' || group === null || !Array.isArray(group.conditions)) continue;
        try {
          const context = groupContext(group, signal);
          group.conditions.forEach((text) => compileConditions([text], context));
        } catch (error) {
          if (!(error instanceof OttlError)) throw error;
          problem([field, i], error.message);
        }
      }
    }
    const legacy = (side: { include?: unknown; exclude?: unknown } | undefined) => side?.include !== undefined || side?.exclude !== undefined;
    const ottl = (section: Record<string, unknown> | undefined, keys: string[]) => keys.some((key) => section?.[key] !== undefined);
    if (ottl(config.traces, ['resource', 'span', 'spanevent']) && legacy(config.spans)) {
      problem(['traces'], 'cannot use "traces.resource", "traces.span", "traces.spanevent" and the span settings "spans.include", "spans.exclude" at the same time');
    }
    if (ottl(config.metrics, ['resource', 'metric', 'datapoint']) && legacy(config.metrics)) {
      problem(['metrics'], 'cannot use "metrics.resource", "metrics.metric", "metrics.datapoint" and the settings "metrics.include", "metrics.exclude" at the same time');
    }
    if (ottl(config.logs, ['resource', 'log_record']) && legacy(config.logs)) {
      problem(['logs'], 'cannot use "logs.resource", "logs.log" and the settings "logs.include", "logs.exclude" at the same time');
    }
    if (config.trace_conditions !== undefined && ottl(config.traces, ['resource', 'span', 'spanevent'])) {
      problem(['trace_conditions'], 'cannot use context inferred trace conditions "trace_conditions" and the settings "traces.resource", "traces.span", "traces.spanevent" at the same time');
    }
    if (config.metric_conditions !== undefined && (ottl(config.metrics, ['resource', 'metric', 'datapoint']) || legacy(config.metrics))) {
      problem(['metric_conditions'], 'cannot use context inferred metric conditions "metric_conditions" and the settings "metrics.resource", "metrics.metric", "metrics.datapoint", "metrics.include", "metrics.exclude" at the same time');
    }
    if (config.log_conditions !== undefined && (ottl(config.logs, ['resource', 'log_record']) || legacy(config.logs))) {
      problem(['log_conditions'], 'cannot use context inferred log conditions "log_conditions" and the settings "logs.resource", "logs.log", "logs.include", "logs.exclude" at the same time');
    }
  });

export type FilterConfig = z.output<typeof filterConfigSchema>;

const INFERRED = { traces: 'trace_conditions', logs: 'log_conditions', metrics: 'metric_conditions' } as const;

/** The OTTL conditions of `signal` as drop decisions, or undefined when the config has none there. */
function ottlConditions(config: FilterConfig, signal: Signal): Condition | undefined {
  const groups: readonly ContextConditions[] | undefined = config[INFERRED[signal]];
  if (groups && groups.length > 0) {
    return anyOf(groups.filter((group) => group.conditions.length > 0).map((group) => contextCondition(group.conditions, groupContext(group, signal))));
  }
  const lists: [string[] | undefined, OttlContext][] = signal === 'traces'
    ? [[config.traces?.resource, 'resource'], [config.traces?.span, 'span']]
    : signal === 'logs'
      ? [[config.logs?.resource, 'resource'], [config.logs?.log_record, 'log']]
      : [[config.metrics?.resource, 'resource'], [config.metrics?.metric, 'metric'], [config.metrics?.datapoint, 'datapoint']];
  const present = lists.filter(([list]) => list !== undefined);
  if (present.length === 0) return undefined;
  return anyOf(present.filter(([list]) => list!.length > 0).map(([list, context]) => contextCondition(list!, context))) ?? (() => false);
}

/** The drop decision for one item of `signal`, or undefined when the config filters nothing there. */
export function dropCondition(config: FilterConfig, signal: Signal): Matcher | undefined {
  const ottl = ottlConditions(config, signal);
  if (ottl) return ottl;
  if (signal === 'traces') return spanSkip(config.spans);
  if (signal === 'logs') return logSkip(config.logs);
  const { include, exclude } = config.metrics ?? {};
  const byResource = skipWhen(include && metricResourceMatcher(include), exclude && metricResourceMatcher(exclude));
  const byName = skipWhen(include && metricNameMatcher(include), exclude && metricNameMatcher(exclude));
  return anyOf([byResource, byName].filter((matcher) => matcher !== undefined));
}

const FILTERED: Record<Signal, string> = {
  traces: 'otelcol_processor_filter_spans_filtered',
  metrics: 'otelcol_processor_filter_datapoints_filtered',
  logs: 'otelcol_processor_filter_logs_filtered',
};

export const filterProcessorFactory: ProcessorFactory<FilterConfig> = {
  type: 'filter',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: filterConfigSchema,
  signalProblems: legacyProblems,
  create(ctx, config, signal, next: Consumer) {
    const drop = dropCondition(config, signal);
    if (!drop) return { consume: (payload) => next.consume(payload) };
    // Labelled as upstream: `filter` with the component id.
    const filtered = sharedCounter(ctx.telemetry, FILTERED[signal], `Number of ${signal === 'metrics' ? 'data points' : signal === 'logs' ? 'log records' : 'spans'} dropped by the filter processor`, ['filter'])
      .labels({ filter: ctx.id });
    const visit: ItemVisitor = (item, context) => (drop(item, context) ? null : item);
    return {
      consume(payload) {
        const result = rewriteItems(payload, visit);
        if (result.dropped > 0) filtered.inc(result.dropped);
        if (result.payload.items === 0) return;
        return next.consume(result.payload);
      },
    };
  },
};
