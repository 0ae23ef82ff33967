// The partial_success of an Export*ServiceResponse: the same layout for all signals
// (field 1 { int64 rejected_<items> = 1; string error_message = 2 }), in protobuf or OTLP/JSON.
import type { Signal } from '../component.ts';
import type { PushResult } from './exporter-helper.ts';
import { readFields, signed, text } from './proto-fields.ts';

const JSON_REJECTED: Record<Signal, readonly string[]> = {
  traces: ['rejectedSpans', 'rejected_spans'],
  metrics: ['rejectedDataPoints', 'rejected_data_points'],
  logs: ['rejectedLogRecords', 'rejected_log_records'],
};

/** Undefined when the response carries no partial success; throws on an undecodable body. */
export function partialSuccessFromProto(bytes: Uint8Array): PushResult | undefined {
  const partial = readFields(bytes).find((f) => f.field === 1)?.value;
  if (!(partial instanceof Uint8Array)) return undefined;
  let rejected = 0;
  let message = '';
  for (const { field, value } of readFields(partial)) {
    if (field === 1 && typeof value === 'number') rejected = signed(value);
    else if (field === 2) message = text(value);
  }
  return rejected > 0 || message ? { rejected: Math.max(0, rejected), message } : undefined;
}

export function partialSuccessFromJson(signal: Signal, body: string): PushResult | undefined {
  if (body.trim() === '') return undefined;
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  const partial = (record.partialSuccess ?? record.partial_success) as Record<string, unknown> | undefined;
  if (typeof partial !== 'object' || partial === null) return undefined;
  const rawRejected = JSON_REJECTED[signal].map((key) => partial[key]).find((v) => v !== undefined);
  const rejected = Number(rawRejected ?? 0);
  const message = String(partial.errorMessage ?? partial.error_message ?? '');
  return rejected > 0 || message ? { rejected: Number.isFinite(rejected) ? rejected : 0, message } : undefined;
}
