// Runs a processor factory on one payload with real telemetry, and reads results back decoded.
import { pino } from 'pino';
import type { Payload, ProcessorFactory, Signal } from '../../../src/collector/component.ts';
import { decodeRequest, encodeRequest } from '../../../src/collector/otlp/index.ts';
import { Telemetry } from '../../../src/collector/telemetry.ts';
import { ENTRIES, flatItems } from '../otlp/protobufjs-schema.ts';

export interface Run {
  readonly outputs: Payload[];
  readonly telemetry: Telemetry;
}

export async function runProcessor<C>(factory: ProcessorFactory<C>, rawConfig: unknown, signal: Signal, payloads: Payload[]): Promise<Run> {
  const config = factory.configSchema.parse(rawConfig);
  const telemetry = new Telemetry();
  const outputs: Payload[] = [];
  const ctx = { id: `${factory.type}/test`, type: factory.type, logger: pino({ level: 'silent' }), telemetry };
  const processor = factory.create(ctx, config, signal, { consume: (payload) => void outputs.push(payload) });
  for (const payload of payloads) await processor.consume(payload);
  return { outputs, telemetry };
}

/** Config validation messages as `path: message`. */
export function configErrors(factory: ProcessorFactory<unknown>, rawConfig: unknown): string[] {
  const result = factory.configSchema.safeParse(rawConfig);
  if (!result.success) return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  // What the collector's validation adds for each signal a pipeline may use the processor for.
  return factory.signals.flatMap((signal) => (factory.signalProblems?.(result.data, signal) ?? []).map((p) => `${p.path.join('.')}: ${p.message}`));
}

export type Decoded = Record<string, any>;

/** Items of the payloads (OTLP/JSON form) with their resource and scope, in order. */
export function items(signal: Signal, payloads: Payload[]): Decoded[] {
  return payloads.flatMap((payload) => flatItems(signal, decodeRequest(signal, encodeRequest(payload))) as Decoded[]);
}

/** The item itself: span, log record, or data point. */
export const itemOf = (entry: Decoded): Decoded => entry.item ?? entry.point;

/** Attributes of a decoded message as key -> plain value. */
export function attributesOf(message: Decoded, field = 'attributes'): Record<string, unknown> {
  return Object.fromEntries((message[field] ?? []).map((kv: Decoded) => [kv.key, plain(kv.value ?? {})]));
}

function plain(value: Decoded): unknown {
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('boolValue' in value) return value.boolValue;
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(plain);
  if ('bytesValue' in value) return value.bytesValue;
  return value;
}

export function counterValue(telemetry: Telemetry, name: string, labels: Record<string, string>): Promise<number> {
  return telemetry.registry.getSingleMetricAsString(name).then((text) => {
    const line = text.split('\n').find((row) => row.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => row.includes(`${k}="${v}"`)));
    return line ? Number(line.split(' ').pop()) : 0;
  });
}

export { ENTRIES };
