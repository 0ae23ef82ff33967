// The filter processor's include/exclude form: `spans` is upstream's filterconfig.MatchConfig (match-properties.ts),
// `logs` its LogMatchProperties (mapped onto MatchProperties as upstream does), `metrics` its MetricMatchProperties
// (metric names, and resource attributes matched per resource).
import { z } from 'zod';
import type { Signal, SignalProblem } from '../component.ts';
import {
  attributeListProblems, attributeSchema, attributesMatcher, type MatchProperties, matchPropertiesProblems, matchPropertiesSchema,
  type Matcher, metricNamesMatcher, onResource, perResource, propertiesMatcher, regexpSchema, skipWhen, stringSetProblems,
} from './match-properties.ts';

export type { Matcher } from './match-properties.ts';
export { regexpSchema };

const SEVERITIES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((level) => ['', '2', '3', '4'].map((n) => level + n));

/** Upstream's severity names or numbers (case-insensitive) -> SeverityNumber. */
function severity(value: string | number): number | undefined {
  const text = String(value).toUpperCase();
  const index = SEVERITIES.indexOf(text);
  if (index >= 0) return index + 1;
  return /^([1-9]|1\d|2[0-4])$/.test(text) ? Number(text) : undefined;
}

export const spanMatchConfigSchema = z.strictObject({ include: matchPropertiesSchema.optional(), exclude: matchPropertiesSchema.optional() });

export const logMatchSchema = z
  .strictObject({
    match_type: z.string().default(''),
    resource_attributes: z.array(attributeSchema).optional(),
    record_attributes: z.array(attributeSchema).optional(),
    severity_texts: z.array(z.string()).optional(),
    severity_number: z.strictObject({ min: z.union([z.string(), z.number()]), match_undefined: z.boolean().default(false) }).optional(),
    bodies: z.array(z.string()).optional(),
  })
  .superRefine((props, ctx) => {
    const min = props.severity_number?.min;
    if (min !== undefined && min !== '' && severity(min) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['severity_number', 'min'], message: `'${min}' is not a valid severity: not a valid severity` });
    }
  });

export const metricMatchSchema = z
  .strictObject({
    match_type: z.string().default(''),
    regexp: regexpSchema.optional(),
    metric_names: z.array(z.string()).optional(),
    resource_attributes: z.array(attributeSchema).optional(),
    expressions: z.array(z.string()).optional(),
  })
  .superRefine((props, ctx) => {
    if (props.match_type === 'expr' || props.expressions !== undefined) {
      ctx.addIssue({ code: 'custom', path: [props.match_type === 'expr' ? 'match_type' : 'expressions'], message: 'unsupported: match_type "expr" (use metrics.metric or metrics.datapoint OTTL conditions)' });
    }
  });

export type SpanMatchConfig = z.output<typeof spanMatchConfigSchema>;
export type LogMatch = z.output<typeof logMatchSchema>;
export type MetricMatch = z.output<typeof metricMatchSchema>;

const isEmptyLogMatch = (props: LogMatch): boolean =>
  ![props.resource_attributes, props.record_attributes, props.severity_texts, props.bodies].some((list) => list && list.length > 0) && !props.severity_number;

/** LogMatchProperties -> MatchProperties, as upstream's matchProperties(); undefined when it lists nothing. */
export function logMatchProperties(props: LogMatch | undefined): MatchProperties | undefined {
  if (!props || isEmptyLogMatch(props)) return undefined;
  return {
    match_type: props.match_type,
    resources: props.resource_attributes,
    attributes: props.record_attributes,
    log_severity_texts: props.severity_texts,
    log_bodies: props.bodies,
    log_severity_number: props.severity_number && { min: severity(props.severity_number.min) ?? 0, match_undefined: props.severity_number.match_undefined },
  };
}

function metricProblems(props: MetricMatch | undefined, prefix: string): SignalProblem[] {
  if (!props || props.match_type === 'expr') return [];
  const problems = [
    ...stringSetProblems(props.match_type, { metric_names: props.metric_names }),
    ...attributeListProblems(props.match_type, { resource_attributes: props.resource_attributes }),
  ];
  return problems.map((problem) => ({ path: [prefix, ...problem.path], message: problem.message }));
}

/** What upstream rejects when it builds the include/exclude matchers of a pipeline of `signal`. */
export function legacyProblems(config: { spans?: SpanMatchConfig; logs?: { include?: LogMatch; exclude?: LogMatch }; metrics?: { include?: MetricMatch; exclude?: MetricMatch } }, signal: Signal): SignalProblem[] {
  const within = (section: string, side: string, problems: SignalProblem[]) => problems.map((p) => ({ path: [section, side, ...p.path], message: p.message }));
  const problems: SignalProblem[] = [];
  for (const side of ['include', 'exclude'] as const) {
    if (signal === 'traces' && config.spans?.[side]) problems.push(...within('spans', side, matchPropertiesProblems(config.spans[side]!, 'traces')));
    if (signal === 'logs') {
      const mp = logMatchProperties(config.logs?.[side]);
      if (mp) problems.push(...within('logs', side, matchPropertiesProblems(mp, 'logs')));
    }
    if (signal === 'metrics') problems.push(...metricProblems(config.metrics?.[side], side).map((p) => ({ path: ['metrics', ...p.path], message: p.message })));
  }
  return problems;
}

export function spanSkip(spans: SpanMatchConfig | undefined): Matcher | undefined {
  return skipWhen(propertiesMatcher(spans?.include, 'traces'), propertiesMatcher(spans?.exclude, 'traces'));
}

export function logSkip(logs: { include?: LogMatch; exclude?: LogMatch } | undefined): Matcher | undefined {
  return skipWhen(propertiesMatcher(logMatchProperties(logs?.include), 'logs'), propertiesMatcher(logMatchProperties(logs?.exclude), 'logs'));
}

/** Metric name matcher, or undefined when no names are listed (resource attributes are matched apart). */
export function metricNameMatcher(props: MetricMatch): Matcher | undefined {
  return metricNamesMatcher(props.match_type, props.metric_names);
}

export function metricResourceMatcher(props: MetricMatch): Matcher | undefined {
  if (!props.resource_attributes || props.resource_attributes.length === 0) return undefined;
  return perResource(attributesMatcher(props.match_type as 'strict' | 'regexp', props.resource_attributes, onResource));
}
