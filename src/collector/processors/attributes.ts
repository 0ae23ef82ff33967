// attributes processor (upstream semantics): ordered actions insert/update/upsert/delete/hash on span,
// log record and data point attributes, by key or (delete, hash) by regex pattern. Works on the encoded
// items: only KeyValue fields are read, and an item is re-encoded only when an action changed it.
import { hash } from 'node:crypto';
import { z } from 'zod';
import type { ProcessorFactory } from '../component.ts';
import { anyValueFromConfig, decodeAnyValue, encodeAnyValue } from '../otlp/any-value.ts';
import { AttributeEditor, KeyMatcher, keyBytes } from '../otlp/attributes.ts';
import { rewriteItems, type ItemVisitor } from '../otlp/index.ts';
import { compileRe2, re2Problem } from '../../contract/re2.ts';

const ACTIONS = ['insert', 'update', 'upsert', 'delete', 'hash'] as const;
type ActionName = (typeof ACTIONS)[number];

const actionSchema = z
  .strictObject({
    key: z.string().optional(),
    pattern: z.string().optional(),
    // Upstream accepts any letter case.
    action: z
      .string()
      .transform((name) => name.toLowerCase())
      .pipe(z.enum(ACTIONS, { error: (issue) => `unsupported action "${String(issue.input)}" (supported: ${ACTIONS.join(', ')})` })),
    value: z.unknown().optional(),
    from_attribute: z.string().optional(),
    default_value: z.unknown().optional(),
  })
  .superRefine((action, ctx) => {
    const problem = (message: string, path: string): void => ctx.addIssue({ code: 'custom', message, path: [path] });
    const hasValue = action.value !== undefined && action.value !== null;
    const hasFrom = (action.from_attribute ?? '') !== '';
    if (action.action === 'delete' || action.action === 'hash') {
      if (!action.key && !action.pattern) problem('at least one of "key" and "pattern" is required', 'key');
      if (hasValue) problem(`action "${action.action}" does not use "value"`, 'value');
      if (hasFrom) problem(`action "${action.action}" does not use "from_attribute"`, 'from_attribute');
      if (action.default_value !== undefined) problem(`action "${action.action}" does not use "default_value"`, 'default_value');
      const invalid = action.pattern === undefined ? undefined : re2Problem(action.pattern);
      if (invalid) problem(invalid, 'pattern');
      return;
    }
    if (!action.key) problem('"key" is required', 'key');
    if (action.pattern !== undefined) problem(`action "${action.action}" does not use "pattern"`, 'pattern');
    if (hasValue && hasFrom) problem('only one of "value" and "from_attribute" may be set', 'value');
    if (!hasValue && !hasFrom && action.default_value === undefined) problem('one of "value", "from_attribute" or "default_value" is required', 'value');
  });

export const attributesConfigSchema = z.strictObject({
  actions: z.array(actionSchema).min(1, 'at least one action is required'),
});

export type AttributesConfig = z.output<typeof attributesConfigSchema>;
type ActionConfig = AttributesConfig['actions'][number];

/** One compiled action applied to the attributes loaded in the editor. */
type Operation = (attributes: AttributeEditor) => void;

export function compileActions(actions: readonly ActionConfig[]): Operation[] {
  return actions.map((action) => compileAction(action));
}

function compileAction(action: ActionConfig): Operation {
  const key = action.key ? keyBytes(action.key) : undefined;
  const name: ActionName = action.action;
  if (name === 'delete' || name === 'hash') {
    const regex = action.pattern === undefined ? undefined : compileRe2(action.pattern);
    const pattern = regex && new KeyMatcher((text) => regex.test(text));
    const apply = name === 'delete'
      ? (attributes: AttributeEditor, index: number) => attributes.remove(index)
      : (attributes: AttributeEditor, index: number) => attributes.set(index, hashValue(attributes.value(index)));
    return (attributes) => {
      if (key) {
        const index = attributes.find(key);
        if (index >= 0) apply(attributes, index);
      }
      if (pattern) {
        for (let index = 0; index < attributes.size; index++) {
          if (attributes.live(index) && attributes.keyMatches(index, pattern)) apply(attributes, index);
        }
      }
    };
  }
  const target = key!;
  const fixed = action.value !== undefined && action.value !== null ? encodeAnyValue(anyValueFromConfig(action.value)) : undefined;
  const from = action.from_attribute ? keyBytes(action.from_attribute) : undefined;
  const fallback = action.default_value !== undefined ? encodeAnyValue(anyValueFromConfig(action.default_value)) : undefined;
  const source = (attributes: AttributeEditor): Uint8Array | undefined => {
    if (fixed) return fixed;
    const index = from ? attributes.find(from) : -1;
    return index >= 0 ? attributes.value(index) : fallback;
  };
  return (attributes) => {
    const value = source(attributes);
    if (!value) return;
    const index = attributes.find(target);
    if (index >= 0) {
      if (name !== 'insert') attributes.set(index, value);
    } else if (name !== 'update') {
      attributes.add(target, value);
    }
  };
}

/**
 * Upstream's hash action: SHA-256 (upstream switched from SHA-1) of the value's bytes, hex encoded, as a
 * string. Strings hash their UTF-8 bytes, booleans one byte, ints and doubles their 8 little-endian bytes;
 * other types become the empty string.
 */
export function hashValue(encoded: Uint8Array): Uint8Array {
  const value = decodeAnyValue(encoded);
  let bytes: Buffer | undefined;
  switch (value.type) {
    case 'string':
      bytes = Buffer.from(value.value, 'utf8');
      break;
    case 'bool':
      bytes = Buffer.of(value.value ? 1 : 0);
      break;
    case 'int':
      bytes = Buffer.alloc(8);
      bytes.writeBigInt64LE(value.value);
      break;
    case 'double':
      bytes = Buffer.alloc(8);
      bytes.writeDoubleLE(value.value);
      break;
  }
  // One-shot hash: no Hash object per value (0.8 vs 1.3 us for a short value; runs once per span).
  const hashed = bytes && bytes.length > 0 ? hash('sha256', bytes, 'hex') : '';
  return encodeAnyValue({ type: 'string', value: hashed });
}

export const attributesProcessorFactory: ProcessorFactory<AttributesConfig> = {
  type: 'attributes',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: attributesConfigSchema,
  create(_ctx, config, _signal, next) {
    const operations = compileActions(config.actions);
    const editor = new AttributeEditor();
    const visit: ItemVisitor = (item, context) => {
      editor.load(item, context.attributesField);
      for (const operation of operations) operation(editor);
      return editor.resultPieces() ?? item;
    };
    return { consume: (payload) => next.consume(rewriteItems(payload, visit).payload) };
  },
};
