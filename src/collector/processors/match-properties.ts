// Upstream's legacy item matching (internal/filter: filterconfig.MatchProperties, filterset, filtermatcher), as
// the attributes processor's include/exclude and the filter processor's spans/logs include/exclude use it:
// string sets matched strictly or by unanchored RE2, attribute lists that must all be present and match, library
// lists that must all match. Which properties a signal may use is checked per signal, as upstream does when it
// builds the processor for a pipeline.
import { z } from 'zod';
import { compileRe2, re2Problem } from '../../contract/re2.ts';
import type { Signal, SignalProblem } from '../component.ts';
import { anyValueEquals, anyValueFromConfig, anyValueText, type AnyValue } from '../otlp/any-value.ts';
import { anyValueAsString, goFormatFloat } from '../otlp/go-text.ts';
import { keyBytes } from '../otlp/attributes.ts';
import type { ItemContext } from '../otlp/index.ts';
import { itemAttribute, logBody, resourceAttribute, scopeName, scopeVersion, severityNumber, severityText, spanKindName, spanName } from './item-fields.ts';

export type Matcher = (item: Uint8Array, context: ItemContext) => boolean;

// Upstream decodes config keys case-insensitively; its README writes these lists as `Key:`/`Value:`.
const lowerKeys = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key.toLowerCase(), item]))
    : value;

export const attributeSchema = z.preprocess(lowerKeys, z.strictObject({ key: z.string(), value: z.unknown().optional() }));
const librarySchema = z.preprocess(lowerKeys, z.strictObject({ name: z.string(), version: z.string().optional() }));
const strings = z.array(z.string()).optional();
export const regexpSchema = z.strictObject({ cacheenabled: z.boolean().optional(), cachemaxnumentries: z.number().int().min(0).optional() });

export type Attribute = z.output<typeof attributeSchema>;
type MatchType = 'strict' | 'regexp';
const MATCH_TYPES: readonly string[] = ['regexp', 'strict'];

export const matchPropertiesSchema = z.strictObject({
  match_type: z.string().default(''),
  regexp: regexpSchema.optional(),
  services: strings,
  span_names: strings,
  span_kinds: strings,
  log_bodies: strings,
  log_severity_texts: strings,
  log_severity_number: z.strictObject({ min: z.number().int().min(0).max(24), match_undefined: z.boolean().default(false) }).optional(),
  metric_names: strings,
  attributes: z.array(attributeSchema).optional(),
  resources: z.array(attributeSchema).optional(),
  libraries: z.array(librarySchema).optional(),
});

export type MatchProperties = z.output<typeof matchPropertiesSchema>;

const SPAN_KINDS = ['SPAN_KIND_CLIENT', 'SPAN_KIND_CONSUMER', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_SERVER'];
const some = (list: readonly unknown[] | undefined): boolean => list !== undefined && list.length > 0;

/** Why `mp` cannot match items of `signal` (upstream's ValidateForSpans/Logs/Metrics and the filter sets it builds). */
export function matchPropertiesProblems(mp: MatchProperties, signal: Signal): SignalProblem[] {
  const problem = (message: string, path: (string | number)[] = []): SignalProblem[] => [{ path, message }];
  if (signal === 'traces') {
    for (const field of ['log_bodies', 'log_severity_texts', 'metric_names'] as const) {
      if (some(mp[field])) return problem(`${field} should not be specified for trace spans`, [field]);
    }
    if (mp.log_severity_number) return problem('log_severity_number should not be specified for trace spans', ['log_severity_number']);
    if (![mp.services, mp.span_names, mp.attributes, mp.libraries, mp.resources, mp.span_kinds].some(some)) {
      return problem('at least one of "attributes", "libraries",  or "resources" field must be specified');
    }
    if (mp.match_type === 'strict') {
      const bad = (mp.span_kinds ?? []).findIndex((kind) => !SPAN_KINDS.includes(kind));
      if (bad >= 0) return problem(`span_kinds string must match one of the standard span kinds when match_type=strict: [${SPAN_KINDS.join(' ')}]`, ['span_kinds', bad]);
    }
  } else if (signal === 'logs') {
    if ([mp.span_names, mp.services, mp.span_kinds, mp.metric_names].some(some)) {
      return problem('services, span_names, span_kinds and metric_names are not valid for log records');
    }
    if (![mp.attributes, mp.libraries, mp.resources, mp.log_bodies, mp.log_severity_texts].some(some) && !mp.log_severity_number) {
      return problem('at least one of "attributes", "libraries", "span_kinds", "resources", "log_bodies", "log_severity_texts" or "log_severity_number" field must be specified');
    }
  } else {
    if ([mp.log_bodies, mp.log_severity_texts, mp.span_names, mp.services, mp.span_kinds, mp.attributes, mp.libraries].some(some) || mp.log_severity_number) {
      return problem('"span_names", "span_kinds", "log_bodies", "log_severity_texts", "log_severity_number", "services", "attributes" and "libraries" are not valid for metrics');
    }
    if (!some(mp.metric_names) && !some(mp.resources)) return problem('at least one of "metric_names" or "resources" field must be specified');
    // Upstream's metric matching looks at names only; resources are validated and otherwise unused there.
    return some(mp.metric_names) ? stringSetProblems(mp.match_type, { metric_names: mp.metric_names }) : [];
  }
  const lists = signal === 'traces'
    ? { services: mp.services, span_names: mp.span_names, span_kinds: mp.span_kinds }
    : { log_bodies: mp.log_bodies, log_severity_texts: mp.log_severity_texts };
  return [
    ...stringSetProblems(mp.match_type, { ...lists, libraries: mp.libraries?.map((library) => library.name) }),
    ...attributeListProblems(mp.match_type, { attributes: mp.attributes, resources: mp.resources }),
  ];
}

function unrecognized(matchType: string): string {
  return `unrecognized match_type: '${matchType}', valid types are: [${MATCH_TYPES.join(' ')}]`;
}

/** Problems of the string sets upstream builds: an unknown match_type, or a pattern RE2 does not accept. */
export function stringSetProblems(matchType: string, lists: Record<string, readonly string[] | undefined>): SignalProblem[] {
  const problems: SignalProblem[] = [];
  for (const [name, list] of Object.entries(lists)) {
    if (!some(list)) continue;
    if (!MATCH_TYPES.includes(matchType)) return [{ path: ['match_type'], message: unrecognized(matchType) }];
    if (matchType !== 'regexp') continue;
    list!.forEach((pattern, i) => {
      const problem = re2Problem(pattern);
      if (problem) problems.push({ path: [name, i], message: problem });
    });
  }
  return problems;
}

/** Problems of attribute lists: empty keys, values needing a match_type, regexp values that are not strings or not RE2. */
export function attributeListProblems(matchType: string, lists: Record<string, readonly Attribute[] | undefined>): SignalProblem[] {
  const problems: SignalProblem[] = [];
  for (const [name, list] of Object.entries(lists)) {
    for (const [i, attribute] of (list ?? []).entries()) {
      if (attribute.key === '') problems.push({ path: [name, i, 'key'], message: "can't have empty key in the list of attributes" });
      if (attribute.value === undefined || attribute.value === null) continue;
      if (!MATCH_TYPES.includes(matchType)) problems.push({ path: ['match_type'], message: unrecognized(matchType) });
      else if (matchType === 'regexp') {
        const problem = typeof attribute.value === 'string' ? re2Problem(attribute.value) : `match_type=regexp for "${attribute.key}" only supports Str`;
        if (problem) problems.push({ path: [name, i, 'value'], message: problem });
      }
    }
  }
  return problems;
}

/** Matches strings against a list: any equal (strict) or any regex found in it (regexp). */
export function stringSet(matchType: MatchType, list: readonly string[]): (text: string) => boolean {
  if (matchType === 'strict') {
    const set = new Set(list);
    return (text) => set.has(text);
  }
  const patterns = list.map((pattern) => compileRe2(pattern));
  return (text) => patterns.some((pattern) => pattern.test(text));
}

/** Upstream's attributeStringValue: the text a regexp is matched against (doubles without exponent); maps, lists and bytes never match. */
function attributeText(value: AnyValue): string | undefined {
  return value.type === 'double' ? goFormatFloat(value.value) : anyValueText(value);
}

/** All listed attributes must be present and match (a value of the same type, or the regexp on its text). */
export function attributesMatcher(
  matchType: MatchType, list: readonly Attribute[], get: (key: Uint8Array, item: Uint8Array, ctx: ItemContext) => AnyValue | undefined,
): Matcher {
  const rules = list.map((attribute) => {
    const key = keyBytes(attribute.key);
    if (attribute.value === undefined || attribute.value === null) return { key, test: () => true };
    if (matchType === 'regexp') {
      const pattern = compileRe2(String(attribute.value));
      return { key, test: (value: AnyValue) => { const text = attributeText(value); return text !== undefined && pattern.test(text); } };
    }
    const expected = anyValueFromConfig(attribute.value);
    return { key, test: (value: AnyValue) => anyValueEquals(value, expected) };
  });
  return (item, ctx) => rules.every((rule) => {
    const value = get(rule.key, item, ctx);
    return value !== undefined && rule.test(value);
  });
}

export const onItem = (key: Uint8Array, item: Uint8Array, ctx: ItemContext) => itemAttribute(item, ctx, key);
export const onResource = (key: Uint8Array, _item: Uint8Array, ctx: ItemContext) => resourceAttribute(ctx, key);

/** A matcher evaluated once per resource entry (the walk's resourceSerial changes per entry). */
export function perResource(matcher: Matcher): Matcher {
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

const SERVICE_NAME = keyBytes('service.name');

/** filtermatcher.PropertiesMatcher: every library, the resource attributes and the item attributes. */
function propertiesChecks(type: MatchType, mp: MatchProperties): Matcher[] {
  const checks: Matcher[] = [];
  for (const library of mp.libraries ?? []) {
    const name = stringSet(type, [library.name]);
    const version = library.version === undefined ? undefined : stringSet(type, [library.version]);
    checks.push((_item, ctx) => name(scopeName(ctx)) && (version === undefined || version(scopeVersion(ctx))));
  }
  if (some(mp.resources)) checks.push(perResource(attributesMatcher(type, mp.resources!, onResource)));
  if (some(mp.attributes)) checks.push(attributesMatcher(type, mp.attributes!, onItem));
  return checks;
}

function all(checks: Matcher[]): Matcher {
  return (item, ctx) => checks.every((check) => check(item, ctx));
}

export function spanPropertiesMatcher(mp: MatchProperties): Matcher {
  const type = mp.match_type as MatchType;
  const checks: Matcher[] = [];
  if (some(mp.services)) {
    const names = stringSet(type, mp.services!);
    checks.push(perResource((_item, ctx) => {
      const service = resourceAttribute(ctx, SERVICE_NAME);
      return names(service ? anyValueText(service) ?? '' : '<nil-service-name>');
    }));
  }
  if (some(mp.span_names)) {
    const names = stringSet(type, mp.span_names!);
    checks.push((item) => names(spanName(item)));
  }
  if (some(mp.span_kinds)) {
    const kinds = stringSet(type, mp.span_kinds!);
    checks.push((item) => kinds(spanKindName(item)));
  }
  return all([...checks, ...propertiesChecks(type, mp)]);
}

export function logPropertiesMatcher(mp: MatchProperties): Matcher {
  const type = mp.match_type as MatchType;
  const checks: Matcher[] = [];
  if (some(mp.log_bodies)) {
    const bodies = stringSet(type, mp.log_bodies!);
    checks.push((item) => bodies(anyValueAsString(logBody(item))));
  }
  if (some(mp.log_severity_texts)) {
    const texts = stringSet(type, mp.log_severity_texts!);
    checks.push((item) => texts(severityText(item)));
  }
  if (mp.log_severity_number) {
    const { min, match_undefined: matchUndefined } = mp.log_severity_number;
    checks.push((item) => {
      const number = severityNumber(item);
      return number === 0 ? matchUndefined : number >= min;
    });
  }
  return all([...checks, ...propertiesChecks(type, mp)]);
}

/** Metric name matcher (per data point), or undefined when no names are listed: upstream then matches everything. */
export function metricNamesMatcher(matchType: string, names: readonly string[] | undefined): Matcher | undefined {
  if (!some(names)) return undefined;
  const matches = stringSet(matchType as MatchType, names!);
  return (_item, ctx) => matches(ctx.metricName());
}

/** Drop (or skip) decision from include/exclude matchers: kept only when it matches include and not exclude. */
export function skipWhen(include: Matcher | undefined, exclude: Matcher | undefined): Matcher | undefined {
  if (!include && !exclude) return undefined;
  return (item, ctx) => (include !== undefined && !include(item, ctx)) || (exclude !== undefined && exclude(item, ctx));
}

/** The properties matcher of `signal` for an include or exclude block. */
export function propertiesMatcher(mp: MatchProperties | undefined, signal: Signal): Matcher | undefined {
  if (!mp) return undefined;
  if (signal === 'traces') return spanPropertiesMatcher(mp);
  if (signal === 'logs') return logPropertiesMatcher(mp);
  return metricNamesMatcher(mp.match_type, mp.metric_names);
}
