// attributes processor (upstream semantics): ordered actions (attribute-actions.ts) on span, log record and data
// point attributes, optionally limited by include/exclude properties (match-properties.ts; for metrics by metric
// name). Works on the encoded items: only KeyValue fields are read, and an item is re-encoded only when an action
// changed it.
import { z } from 'zod';
import type { ProcessorFactory } from '../component.ts';
import { AttributeEditor } from '../otlp/attributes.ts';
import { rewriteItems, type ItemVisitor } from '../otlp/index.ts';
import { actionSchema, compileActions } from './attribute-actions.ts';
import { matchPropertiesProblems, matchPropertiesSchema, propertiesMatcher, skipWhen } from './match-properties.ts';

export { hashValue } from './attribute-actions.ts';

export const attributesConfigSchema = z.strictObject({
  actions: z.array(actionSchema).min(1, 'missing required field "actions"'),
  include: matchPropertiesSchema.optional(),
  exclude: matchPropertiesSchema.optional(),
});

export type AttributesConfig = z.output<typeof attributesConfigSchema>;

export const attributesProcessorFactory: ProcessorFactory<AttributesConfig> = {
  type: 'attributes',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: attributesConfigSchema,
  signalProblems(config, signal) {
    return (['include', 'exclude'] as const).flatMap((side) =>
      config[side] ? matchPropertiesProblems(config[side], signal).map((p) => ({ path: [side, ...p.path], message: p.message })) : []);
  },
  create(_ctx, config, signal, next) {
    const operations = compileActions(config.actions);
    const skip = skipWhen(propertiesMatcher(config.include, signal), propertiesMatcher(config.exclude, signal));
    const editor = new AttributeEditor();
    const visit: ItemVisitor = (item, context) => {
      if (skip?.(item, context)) return item;
      editor.load(item, context.attributesField);
      for (const operation of operations) operation(editor);
      return editor.resultPieces() ?? item;
    };
    return { consume: (payload) => next.consume(rewriteItems(payload, visit).payload) };
  },
};
