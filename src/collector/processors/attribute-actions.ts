// The attributes processor's actions (upstream's coreinternal/attraction): insert, update, upsert, delete, hash,
// extract and convert, with upstream's rules for which fields each action takes. `from_context` (request metadata)
// is not supported: receivers do not carry client metadata into the pipeline.
import { z } from 'zod';
import { compileRe2, re2Problem, type Re2 } from '../../contract/re2.ts';
import { anyValueFromConfig, decodeAnyValue, encodeAnyValue, type AnyValue } from '../otlp/any-value.ts';
import { AttributeEditor, KeyMatcher, keyBytes } from '../otlp/attributes.ts';
import { anyValueAsString } from '../otlp/go-text.ts';
import { HashCache } from './attribute-hash.ts';
import { goParseFloat, goParseInt } from './go-parse.ts';

const ACTIONS = ['insert', 'update', 'upsert', 'delete', 'hash', 'extract', 'convert'] as const;
const CONVERTED_TYPES = ['string', 'int', 'double'];
const present = (value: unknown): boolean => value !== undefined && value !== null;

export const actionSchema = z
  .strictObject({
    key: z.string().default(''),
    pattern: z.string().default(''),
    // Upstream accepts any letter case.
    action: z
      .string()
      .transform((name) => name.toLowerCase())
      .pipe(z.enum(ACTIONS, { error: (issue) => `unsupported action "${String(issue.input)}" (supported: ${ACTIONS.join(', ')})` })),
    value: z.unknown().optional(),
    from_attribute: z.string().default(''),
    from_context: z.string().default(''),
    default_value: z.unknown().optional(),
    converted_type: z.string().default(''),
  })
  .superRefine((a, ctx) => {
    const problem = (message: string, path: string): void => ctx.addIssue({ code: 'custom', message, path: [path] });
    const sources = [present(a.value), a.from_attribute !== '', a.from_context !== ''].filter(Boolean).length;
    const notConverted = (): void => {
      if (a.converted_type !== '') problem(`action "${a.action}" does not use the "converted_type" field`, 'converted_type');
    };
    const validPattern = (): void => {
      const invalid = a.pattern === '' ? undefined : re2Problem(a.pattern);
      if (invalid) problem(invalid, 'pattern');
    };
    if (a.action === 'delete' || a.action === 'hash') {
      if (a.key === '' && a.pattern === '') problem('at least one of "key" and "pattern" is required', 'key');
      if (present(a.value) || a.from_attribute !== '') problem(`action "${a.action}" does not use "value" or "from_attribute"`, present(a.value) ? 'value' : 'from_attribute');
      validPattern();
      notConverted();
      return;
    }
    if (a.key === '') problem('"key" is required', 'key');
    if (a.action === 'extract') {
      if (sources > 0) problem('action "extract" does not use a value source field', 'value');
      if (a.pattern === '') problem('"pattern" is required for action "extract"', 'pattern');
      else validPattern();
      notConverted();
      const groups = a.pattern === '' || re2Problem(a.pattern) ? undefined : compileRe2(a.pattern);
      if (groups && groups.groupCount() === 0) problem('"pattern" contains no named matcher groups', 'pattern');
      else if (groups && Object.keys(groups.namedGroups()).length < groups.groupCount()) problem('"pattern" contains at least one unnamed matcher group', 'pattern');
      return;
    }
    if (a.action === 'convert') {
      if (sources > 0 || a.pattern !== '') problem('action "convert" does not use value sources or "pattern"', sources > 0 ? 'value' : 'pattern');
      if (a.converted_type === '') problem('"converted_type" is required for action "convert"', 'converted_type');
      else if (!CONVERTED_TYPES.includes(a.converted_type)) problem(`invalid value "${a.converted_type}" (expected ${CONVERTED_TYPES.join(', ')})`, 'converted_type');
      return;
    }
    if (a.from_context !== '') problem('unsupported: from_context (client metadata does not reach the pipeline)', 'from_context');
    if (sources === 0 && !present(a.default_value)) problem('one of "value", "from_attribute", "from_context" or "default_value" is required', 'value');
    if (sources > 1) problem('only one of "value", "from_attribute" and "from_context" may be set', 'value');
    if (a.pattern !== '') problem(`action "${a.action}" does not use the "pattern" field`, 'pattern');
    notConverted();
  });

export type ActionConfig = z.output<typeof actionSchema>;

/** One compiled action applied to the attributes loaded in the editor. */
export type Operation = (attributes: AttributeEditor) => void;

export function compileActions(actions: readonly ActionConfig[]): Operation[] {
  return actions.map((action) => compileAction(action));
}

function compileAction(action: ActionConfig): Operation {
  const key = action.key === '' ? undefined : keyBytes(action.key);
  switch (action.action) {
    case 'delete':
      return byKeyAndPattern(key, action.pattern, (attributes, index) => attributes.remove(index));
    case 'hash': {
      const hashes = new HashCache();
      return byKeyAndPattern(key, action.pattern, (attributes, index) => {
        const source = attributes.valueSource(index);
        attributes.set(index, hashes.hash(source, attributes.valueStart, attributes.valueEnd));
      });
    }
    case 'extract':
      return extract(key!, compileRe2(action.pattern));
    case 'convert':
      return convert(key!, action.converted_type);
    default:
      return write(action);
  }
}

function byKeyAndPattern(key: Uint8Array | undefined, pattern: string, apply: (attributes: AttributeEditor, index: number) => void): Operation {
  const regex = pattern === '' ? undefined : compileRe2(pattern);
  const matcher = regex && new KeyMatcher((text) => regex.test(text));
  return (attributes) => {
    if (key) {
      const index = attributes.find(key);
      if (index >= 0) apply(attributes, index);
    }
    if (!matcher) return;
    for (let index = 0; index < attributes.size; index++) {
      if (attributes.live(index) && attributes.keyMatches(index, matcher)) apply(attributes, index);
    }
  };
}

/** insert, update, upsert: the value, else the from_attribute value, else default_value. */
function write(action: ActionConfig): Operation {
  const target = keyBytes(action.key);
  const encode = (value: unknown): Uint8Array | undefined => (present(value) ? encodeAnyValue(anyValueFromConfig(value)) : undefined);
  const fixed = encode(action.value);
  const from = action.from_attribute === '' ? undefined : keyBytes(action.from_attribute);
  const fallback = encode(action.default_value);
  return (attributes) => {
    const source = from ? attributes.find(from) : -1;
    const value = fixed ?? (source >= 0 ? attributes.value(source) : fallback);
    if (!value) return;
    const index = attributes.find(target);
    if (index >= 0) {
      if (action.action !== 'insert') attributes.set(index, value);
    } else if (action.action !== 'update') {
      attributes.add(target, value);
    }
  };
}

function put(attributes: AttributeEditor, key: Uint8Array, value: Uint8Array): void {
  const index = attributes.find(key);
  if (index >= 0) attributes.set(index, value);
  else attributes.add(key, value);
}

/** extract: the named groups of the first match in a string value become string attributes ("" when a group did not take part). */
function extract(key: Uint8Array, regex: Re2): Operation {
  const names: string[] = [];
  for (const [name, group] of Object.entries(regex.namedGroups())) names[group] = name;
  const targets = names.map((name) => keyBytes(name));
  return (attributes) => {
    const index = attributes.find(key);
    if (index < 0) return;
    const value = decodeAnyValue(attributes.value(index));
    if (value.type !== 'string') return;
    const match = regex.exec(value.value);
    if (!match) return;
    for (let group = 1; group < targets.length; group++) {
      put(attributes, targets[group]!, encodeAnyValue({ type: 'string', value: (match[group] as string | undefined) ?? '' }));
    }
  };
}

const MIN_INT64 = -(2n ** 63n);

/** Go's int64(f): truncation; NaN and values out of range give the minimum int64 on amd64, as upstream's build. */
function goInt64(value: number): bigint {
  if (!Number.isFinite(value) || value >= 2 ** 63 || value < -(2 ** 63)) return MIN_INT64;
  return BigInt(Math.trunc(value));
}

/** convert: string, int or double as upstream's convertValue; a value that does not convert is left as it is. */
function convert(key: Uint8Array, to: string): Operation {
  const converted = (value: AnyValue): AnyValue | undefined => {
    if (to === 'string') return value.type === 'string' ? undefined : { type: 'string', value: anyValueAsString(value) };
    if (to === 'int') {
      if (value.type === 'double') return { type: 'int', value: goInt64(value.value) };
      if (value.type === 'bool') return { type: 'int', value: value.value ? 1n : 0n };
      const parsed = value.type === 'string' ? goParseInt(value.value) : undefined;
      return parsed === undefined ? undefined : { type: 'int', value: parsed };
    }
    if (value.type === 'int') return { type: 'double', value: Number(value.value) };
    if (value.type === 'bool') return { type: 'double', value: value.value ? 1 : 0 };
    const parsed = value.type === 'string' ? goParseFloat(value.value) : undefined;
    return parsed === undefined ? undefined : { type: 'double', value: parsed };
  };
  return (attributes) => {
    const index = attributes.find(key);
    if (index < 0) return;
    const value = converted(decodeAnyValue(attributes.value(index)));
    if (value) attributes.set(index, encodeAnyValue(value));
  };
}
