// attributes processor (upstream semantics): ordered actions (attribute-actions.ts) on span, log record and data
// point attributes, optionally limited by include/exclude properties (match-properties.ts; for metrics by metric
// name). Works on the encoded items: only KeyValue fields are read, and an item is re-encoded only when an action
// changed it, into scratch space its resource entry is then assembled from.
import { z } from 'zod';
import type { ProcessorFactory } from '../component.ts';
import { AttributeEditor } from '../otlp/attributes.ts';
import { ScratchArena } from '../otlp/pieces.ts';
import { editItems, type ItemEdit } from '../otlp/rewrite.ts';
import { actionSchema, compileActions } from './attribute-actions.ts';
import { matchPropertiesProblems, matchPropertiesSchema, propertiesMatcher, skipWhen } from './match-properties.ts';

export { hashValue } from './attribute-hash.ts';

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
    const arena = new ScratchArena();
    const edit: ItemEdit = (buf, start, end, field, context) => {
      if (skip?.(buf.subarray(start, end), context)) return false;
      editor.load(buf, context.attributesField, start, end);
      for (const operation of operations) operation(editor);
      return editor.writeFieldInto(arena, field);
    };
    return {
      consume: (payload) => {
        // What the last call wrote there was copied into its new resource entries before editItems returned.
        arena.reset();
        return next.consume(editItems(payload, edit, arena).payload);
      },
    };
  },
};
