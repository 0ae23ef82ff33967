// User-facing processors of the spec -> upstream processor configs (attributes, filter); batch is effectiveBatch.
import type { Processors, Signal } from '../../api/telemetry-pipeline.ts';
import type { AttributesSection, FilterSection } from '../../collector/config/document.ts';
import { configLiteral } from './literal.ts';

export function attributesConfig(actions: NonNullable<Processors['attributes']>): AttributesSection {
  return {
    actions: actions.map((a) => ({
      action: a.action,
      ...(a.key !== undefined ? { key: configLiteral(a.key) } : {}),
      ...(a.pattern !== undefined ? { pattern: configLiteral(a.pattern) } : {}),
      ...(a.value !== undefined ? { value: configLiteral(a.value) } : {}),
      ...(a.fromAttribute !== undefined ? { from_attribute: configLiteral(a.fromAttribute) } : {}),
    })),
  };
}

/** A string literal in OTTL (double quotes, backslash and quote escaped), literal in the config too. */
function ottlString(text: string): string {
  return configLiteral(`"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
}

type AttributeMatches = { key: string; value: string }[] | undefined;

function attributeConditions(matches: AttributeMatches): string[] {
  return (matches ?? []).map((m) => `IsMatch(attributes[${ottlString(m.key)}], ${ottlString(m.value)})`);
}

/**
 * The upstream filter processor in its OTTL form: each condition drops the items it matches, any one suffices.
 * error_mode ignore: a condition that cannot be evaluated on an item keeps the item rather than failing the batch.
 * Returns only the sections of the given signals; undefined when nothing is filtered.
 */
export function filterConfig(filter: NonNullable<Processors['filter']>, signals: readonly Signal[]): FilterSection | undefined {
  const span = [
    ...(filter.spans?.nameMatches ?? []).map((re) => `IsMatch(name, ${ottlString(re)})`),
    ...attributeConditions(filter.spans?.attributeMatches),
  ];
  const logRecord = attributeConditions(filter.logRecords?.attributeMatches);
  const datapoint = attributeConditions(filter.dataPoints?.attributeMatches);
  const sections = {
    ...(signals.includes('traces') && span.length > 0 ? { traces: { span } } : {}),
    ...(signals.includes('metrics') && datapoint.length > 0 ? { metrics: { datapoint } } : {}),
    ...(signals.includes('logs') && logRecord.length > 0 ? { logs: { log_record: logRecord } } : {}),
  };
  return Object.keys(sections).length > 0 ? { error_mode: 'ignore' as const, ...sections } : undefined;
}
