// The filter processor's include/exclude form (upstream's filterconfig/filterset matching): strict or
// regexp (unanchored RE2) string sets, attribute lists that must all match, any-of name lists.
import { z } from 'zod';
import { anyValueEquals, anyValueFromConfig, anyValueText, type AnyValue } from '../otlp/any-value.ts';
import { keyBytes } from '../otlp/attributes.ts';
import type { ItemContext } from '../otlp/index.ts';
import { itemAttribute, logBody, resourceAttribute, scopeName, scopeVersion, severityNumber, severityText, spanKindName, spanName } from './item-fields.ts';
import { compileRe2, re2Problem } from '../../contract/re2.ts';

export type Matcher = (item: Uint8Array, context: ItemContext) => boolean;

// Upstream decodes config keys case-insensitively; its README writes these lists as `Key:`/`Value:`.
const lowerKeys = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key.toLowerCase(), item]))
    : value;

const attributeSchema = z.preprocess(lowerKeys, z.strictObject({ key: z.string().min(1, 'empty key'), value: z.unknown().optional() }));
const librarySchema = z.preprocess(lowerKeys, z.strictObject({ name: z.string(), version: z.string().optional() }));
const strings = z.array(z.string()).optional();
export const regexpSchema = z.strictObject({ cacheenabled: z.boolean().optional(), cachemaxnumentries: z.number().int().min(0).optional() });

type Attribute = z.output<typeof attributeSchema>;
type MatchType = 'strict' | 'regexp';

export const spanMatchSchema = z
  .strictObject({
    match_type: z.enum(['strict', 'regexp']),
    regexp: regexpSchema.optional(),
    services: strings,
    span_names: strings,
    span_kinds: strings,
    attributes: z.array(attributeSchema).optional(),
    resources: z.array(attributeSchema).optional(),
    libraries: z.array(librarySchema).optional(),
  })
  .superRefine((props, ctx) => {
    const lists = [props.services, props.span_names, props.span_kinds, props.attributes, props.resources, props.libraries];
    if (!lists.some((list) => list && list.length > 0)) {
      ctx.addIssue({ code: 'custom', message: 'at least one of services, span_names, span_kinds, attributes, resources or libraries must be specified' });
    }
    if (props.match_type === 'strict') {
      for (const [i, kind] of (props.span_kinds ?? []).entries()) {
        if (!SPAN_KINDS.includes(kind)) ctx.addIssue({ code: 'custom', path: ['span_kinds', i], message: `must be one of ${SPAN_KINDS.join(', ')} when match_type is strict` });
      }
    }
    checkPatterns(props.match_type, { services: props.services, span_names: props.span_names, span_kinds: props.span_kinds }, ctx);
    checkAttributes(props.match_type, { attributes: props.attributes, resources: props.resources }, ctx);
    checkPatterns(props.match_type, { libraries: props.libraries?.map((library) => library.name) }, ctx);
  });

const SPAN_KINDS = ['SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];

const SEVERITIES = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((level) => ['', '2', '3', '4'].map((n) => level + n));

/** Upstream's severity names or numbers (case-insensitive) -> SeverityNumber. */
function severity(value: string | number): number | undefined {
  const text = String(value).toUpperCase();
  const index = SEVERITIES.indexOf(text);
  if (index >= 0) return index + 1;
  const number = Number(text);
  return Number.isInteger(number) && number >= 1 && number <= 24 ? number : undefined;
}

export const logMatchSchema = z
  .strictObject({
    match_type: z.enum(['strict', 'regexp']),
    resource_attributes: z.array(attributeSchema).optional(),
    record_attributes: z.array(attributeSchema).optional(),
    severity_texts: strings,
    severity_number: z.strictObject({ min: z.union([z.string(), z.number()]), match_undefined: z.boolean().default(false) }).optional(),
    bodies: strings,
  })
  .superRefine((props, ctx) => {
    if (props.severity_number && severity(props.severity_number.min) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['severity_number', 'min'], message: `"${props.severity_number.min}" is not a valid severity` });
    }
    checkPatterns(props.match_type, { severity_texts: props.severity_texts, bodies: props.bodies }, ctx);
    checkAttributes(props.match_type, { resource_attributes: props.resource_attributes, record_attributes: props.record_attributes }, ctx);
  });

export const metricMatchSchema = z
  .strictObject({
    match_type: z.enum(['strict', 'regexp', 'expr']),
    regexp: regexpSchema.optional(),
    metric_names: strings,
    resource_attributes: z.array(attributeSchema).optional(),
    expressions: strings,
  })
  .superRefine((props, ctx) => {
    if (props.match_type === 'expr' || props.expressions !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['match_type'], message: 'match_type "expr" is not supported; use metrics.metric or metrics.datapoint OTTL conditions' });
      return;
    }
    checkPatterns(props.match_type, { metric_names: props.metric_names }, ctx);
    checkAttributes(props.match_type, { resource_attributes: props.resource_attributes }, ctx);
  });

export type SpanMatch = z.output<typeof spanMatchSchema>;
export type LogMatch = z.output<typeof logMatchSchema>;
export type MetricMatch = z.output<typeof metricMatchSchema>;
type Issues = z.RefinementCtx;

function checkPatterns(matchType: string, lists: Record<string, string[] | undefined>, ctx: Issues): void {
  if (matchType !== 'regexp') return;
  for (const [name, list] of Object.entries(lists)) {
    for (const [i, pattern] of (list ?? []).entries()) {
      const problem = re2Problem(pattern);
      if (problem) ctx.addIssue({ code: 'custom', path: [name, i], message: problem });
    }
  }
}

function checkAttributes(matchType: string, lists: Record<string, Attribute[] | undefined>, ctx: Issues): void {
  if (matchType !== 'regexp') return;
  for (const [name, list] of Object.entries(lists)) {
    for (const [i, attribute] of (list ?? []).entries()) {
      if (attribute.value === undefined || attribute.value === null) continue;
      const problem = typeof attribute.value === 'string' ? re2Problem(attribute.value) : `match_type regexp for "${attribute.key}" only supports string values`;
      if (problem) ctx.addIssue({ code: 'custom', path: [name, i, 'value'], message: problem });
    }
  }
}

/** Matches strings against a list: any equal (strict) or any regex found in it (regexp). */
function stringSet(matchType: MatchType, list: readonly string[]): (text: string) => boolean {
  if (matchType === 'strict') {
    const set = new Set(list);
    return (text) => set.has(text);
  }
  const patterns = list.map((pattern) => compileRe2(pattern));
  return (text) => patterns.some((pattern) => pattern.test(text));
}

/** All listed attributes must be present and match (a value of the same type, or the regexp on its text). */
function attributesMatcher(matchType: MatchType, list: readonly Attribute[], get: (key: Uint8Array, item: Uint8Array, ctx: ItemContext) => AnyValue | undefined): Matcher {
  const rules = list.map((attribute) => {
    const key = keyBytes(attribute.key);
    if (attribute.value === undefined || attribute.value === null) return { key, test: () => true };
    if (matchType === 'regexp') {
      const pattern = compileRe2(String(attribute.value));
      return { key, test: (value: AnyValue) => { const text = anyValueText(value); return text !== undefined && pattern.test(text); } };
    }
    const expected = anyValueFromConfig(attribute.value);
    return { key, test: (value: AnyValue) => anyValueEquals(value, expected) };
  });
  return (item, ctx) => rules.every((rule) => {
    const value = get(rule.key, item, ctx);
    return value !== undefined && rule.test(value);
  });
}

const onItem = (key: Uint8Array, item: Uint8Array, ctx: ItemContext) => itemAttribute(item, ctx, key);
const onResource = (key: Uint8Array, _item: Uint8Array, ctx: ItemContext) => resourceAttribute(ctx, key);

/** A matcher evaluated once per resource entry (the walk's resourceSerial changes per entry). */
function perResource(matcher: Matcher): Matcher {
  let serial = -1;
  let result = false;
  return (item, ctx) => {
    if (ctx.resourceSerial !== serial) {
      serial = ctx.resourceSerial;
      result = matcher(item, ctx);
    }
    return result;
  };
}

function all(matchers: Matcher[]): Matcher {
  return (item, ctx) => matchers.every((matcher) => matcher(item, ctx));
}

const nonEmpty = <T>(list: readonly T[] | undefined): list is readonly T[] => list !== undefined && list.length > 0;
const SERVICE_NAME = keyBytes('service.name');

export function spanMatcher(props: SpanMatch): Matcher {
  const type = props.match_type;
  const checks: Matcher[] = [];
  if (nonEmpty(props.services)) {
    const names = stringSet(type, props.services);
    checks.push(perResource((_item, ctx) => {
      const service = resourceAttribute(ctx, SERVICE_NAME);
      return names(service ? anyValueText(service) ?? '' : '<nil-service-name>');
    }));
  }
  if (nonEmpty(props.span_names)) {
    const names = stringSet(type, props.span_names);
    checks.push((item) => names(spanName(item)));
  }
  if (nonEmpty(props.span_kinds)) {
    const kinds = stringSet(type, props.span_kinds);
    checks.push((item) => kinds(spanKindName(item)));
  }
  if (nonEmpty(props.libraries)) {
    const libraries = props.libraries.map((library) => ({ name: stringSet(type, [library.name]), version: library.version }));
    checks.push((_item, ctx) => libraries.some((library) => library.name(scopeName(ctx)) && (library.version === undefined || library.version === scopeVersion(ctx))));
  }
  if (nonEmpty(props.resources)) checks.push(perResource(attributesMatcher(type, props.resources, onResource)));
  if (nonEmpty(props.attributes)) checks.push(attributesMatcher(type, props.attributes, onItem));
  return all(checks);
}

export function logMatcher(props: LogMatch): Matcher {
  const type = props.match_type;
  const checks: Matcher[] = [];
  if (nonEmpty(props.resource_attributes)) checks.push(perResource(attributesMatcher(type, props.resource_attributes, onResource)));
  if (nonEmpty(props.record_attributes)) checks.push(attributesMatcher(type, props.record_attributes, onItem));
  if (nonEmpty(props.severity_texts)) {
    const texts = stringSet(type, props.severity_texts);
    checks.push((item) => texts(severityText(item)));
  }
  if (props.severity_number) {
    const min = severity(props.severity_number.min)!;
    const matchUndefined = props.severity_number.match_undefined;
    checks.push((item) => {
      const number = severityNumber(item);
      return number === 0 ? matchUndefined : number >= min;
    });
  }
  if (nonEmpty(props.bodies)) {
    const bodies = stringSet(type, props.bodies);
    checks.push((item) => {
      const body = logBody(item);
      return body?.type === 'string' && bodies(body.value);
    });
  }
  return all(checks);
}

/** Metric name matcher, or undefined when no names are listed (resource attributes are matched apart). */
export function metricNameMatcher(props: MetricMatch): Matcher | undefined {
  if (!nonEmpty(props.metric_names)) return undefined;
  const names = stringSet(props.match_type as MatchType, props.metric_names);
  return (_item, ctx) => names(ctx.metricName());
}

export function metricResourceMatcher(props: MetricMatch): Matcher | undefined {
  if (!nonEmpty(props.resource_attributes)) return undefined;
  return perResource(attributesMatcher(props.match_type as MatchType, props.resource_attributes, onResource));
}

/** Drop decision from include/exclude matchers: kept only when it matches include and not exclude. */
export function skipWhen(include: Matcher | undefined, exclude: Matcher | undefined): Matcher | undefined {
  if (!include && !exclude) return undefined;
  return (item, ctx) => (include !== undefined && !include(item, ctx)) || (exclude !== undefined && exclude(item, ctx));
}
