// filter processor (upstream semantics): drops spans, log records and data points matching OTTL conditions
// (traces.span, logs.log_record, metrics.metric, metrics.datapoint; a subset of OTTL, see ottl.ts) or the
// legacy include/exclude form (spans, logs, metrics). Containers left empty are removed, and a request
// left with no items is not passed on.
import { z } from 'zod';
import type { Consumer, ProcessorFactory, Signal } from '../component.ts';
import { rewriteItems, type ItemVisitor } from '../otlp/index.ts';
import {
  legacyProblems, logMatchSchema, logSkip, type Matcher, metricMatchSchema, metricNameMatcher, metricResourceMatcher, regexpSchema,
  spanMatchConfigSchema, spanSkip,
} from './filter-legacy.ts';
import { skipWhen } from './match-properties.ts';
import { compileConditions, type OttlContext, OttlError } from './ottl.ts';
import { sharedCounter } from './shared-counter.ts';

const conditions = z.array(z.string()).optional();

export const filterConfigSchema = z
  .strictObject({
    error_mode: z.enum(['ignore', 'silent', 'propagate']).default('propagate'),
    spans: spanMatchConfigSchema.optional(),
    traces: z.strictObject({ span: conditions, spanevent: conditions }).optional(),
    logs: z.strictObject({ include: logMatchSchema.optional(), exclude: logMatchSchema.optional(), log_record: conditions }).optional(),
    metrics: z
      .strictObject({
        include: metricMatchSchema.optional(),
        exclude: metricMatchSchema.optional(),
        regexp: regexpSchema.optional(),
        metric: conditions,
        datapoint: conditions,
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    const check = (list: string[] | undefined, context: OttlContext, path: string[]): void => {
      for (const [i, text] of (list ?? []).entries()) {
        try {
          compileConditions([text], context);
        } catch (error) {
          if (!(error instanceof OttlError)) throw error;
          ctx.addIssue({ code: 'custom', path: [...path, i], message: error.message });
        }
      }
    };
    check(config.traces?.span, 'span', ['traces', 'span']);
    check(config.logs?.log_record, 'log', ['logs', 'log_record']);
    check(config.metrics?.metric, 'metric', ['metrics', 'metric']);
    check(config.metrics?.datapoint, 'datapoint', ['metrics', 'datapoint']);
    if (config.traces?.spanevent !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['traces', 'spanevent'], message: 'span event conditions are not supported by this collector' });
    }
    const both = (ottl: boolean, legacy: boolean, what: string, path: string): void => {
      if (ottl && legacy) ctx.addIssue({ code: 'custom', path: [path], message: `cannot use OTTL conditions and include/exclude for ${what} at the same time` });
    };
    both(config.traces?.span !== undefined, config.spans?.include !== undefined || config.spans?.exclude !== undefined, 'spans', 'traces');
    both(config.logs?.log_record !== undefined, config.logs?.include !== undefined || config.logs?.exclude !== undefined, 'logs', 'logs');
    both(
      config.metrics?.metric !== undefined || config.metrics?.datapoint !== undefined,
      config.metrics?.include !== undefined || config.metrics?.exclude !== undefined,
      'metrics', 'metrics',
    );
  });

export type FilterConfig = z.output<typeof filterConfigSchema>;

/** The drop decision for one item of `signal`, or undefined when the config filters nothing there. */
export function dropCondition(config: FilterConfig, signal: Signal): Matcher | undefined {
  if (signal === 'traces') {
    if (config.traces?.span) return compileConditions(config.traces.span, 'span');
    return spanSkip(config.spans);
  }
  if (signal === 'logs') {
    if (config.logs?.log_record) return compileConditions(config.logs.log_record, 'log');
    return logSkip(config.logs);
  }
  const metrics = config.metrics;
  const parts: Matcher[] = [];
  if (metrics?.metric) parts.push(compileConditions(metrics.metric, 'metric'));
  if (metrics?.datapoint) parts.push(compileConditions(metrics.datapoint, 'datapoint'));
  if (parts.length === 0) {
    const { include, exclude } = metrics ?? {};
    const byResource = skipWhen(include && metricResourceMatcher(include), exclude && metricResourceMatcher(exclude));
    const byName = skipWhen(include && metricNameMatcher(include), exclude && metricNameMatcher(exclude));
    for (const matcher of [byResource, byName]) if (matcher) parts.push(matcher);
  }
  if (parts.length === 0) return undefined;
  return (item, ctx) => parts.some((part) => part(item, ctx));
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
    const dropped = ctx.telemetry.processor(ctx.id);
    const filtered = sharedCounter(ctx.telemetry, FILTERED[signal], `Number of ${signal === 'metrics' ? 'data points' : signal === 'logs' ? 'log records' : 'spans'} dropped by the filter processor`, ['processor'])
      .labels({ processor: ctx.id });
    const visit: ItemVisitor = (item, context) => (drop(item, context) ? null : item);
    return {
      consume(payload) {
        const result = rewriteItems(payload, visit);
        if (result.dropped > 0) {
          dropped.dropped(signal, result.dropped);
          filtered.inc(result.dropped);
        }
        if (result.payload.items === 0) return;
        return next.consume(result.payload);
      },
    };
  },
};
