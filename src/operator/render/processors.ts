// User-facing processors of the spec -> upstream processor configs (batch, attributes, filter, probabilistic_sampler).
import type { BatchProfile, Processors, Signal } from '../../api/telemetry-pipeline.ts';
import { RenderError } from './errors.ts';
import { configLiteral } from './literal.ts';

interface BatchConfig {
  timeout: string;
  send_batch_size: number;
  send_batch_max_size: number;
}

/**
 * The guide's profiles (3.3). Its balanced timeout is 10s in section 3.3 and 5s in section 14; we take 5s so that
 * balanced never holds data longer than highThroughput (5s) does, and a quiet fleet still flushes well within the
 * collector's drain timeout.
 */
export const BATCH_PROFILE_SETTINGS: Record<BatchProfile, BatchConfig> = {
  lowLatency: { timeout: '1s', send_batch_size: 512, send_batch_max_size: 1000 },
  balanced: { timeout: '5s', send_batch_size: 8192, send_batch_max_size: 10000 },
  highThroughput: { timeout: '5s', send_batch_size: 16384, send_batch_max_size: 20000 },
};

export function batchConfig(batch: Processors['batch']): BatchConfig {
  const profile = BATCH_PROFILE_SETTINGS[batch.profile];
  const config: BatchConfig = {
    timeout: batch.timeout ?? profile.timeout,
    send_batch_size: batch.sendBatchSize ?? profile.send_batch_size,
    send_batch_max_size: batch.sendBatchMaxSize ?? profile.send_batch_max_size,
  };
  if (config.send_batch_max_size !== 0 && config.send_batch_max_size < config.send_batch_size) {
    throw new RenderError(
      'spec.processors.batch.sendBatchSize',
      `${config.send_batch_size} exceeds the ${batch.profile} profile's sendBatchMaxSize ${config.send_batch_max_size}; set sendBatchMaxSize as well`,
    );
  }
  return config;
}

export function attributesConfig(actions: NonNullable<Processors['attributes']>): { actions: Record<string, string>[] } {
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
export function filterConfig(filter: NonNullable<Processors['filter']>, signals: readonly Signal[]) {
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
  return Object.keys(sections).length > 0 ? { error_mode: 'ignore', ...sections } : undefined;
}
