// redaction processor (contrib redactionprocessor v0.161.0): redaction-rules.ts applied to the attributes of
// resources, scopes, spans and span events (not links), log records (and their bodies) and metric data points,
// as upstream does. Each request is decoded to OTLP/JSON, redacted and encoded again: simple and exact, and slower
// than the processors that edit encoded items in place.
import type { Payload, ProcessorFactory, Signal } from '../component.ts';
import type { JsonObject, JsonValue } from '../otlp/decode.ts';
import { encodeRequest, jsonToProtobuf, parseRequest, protobufToJson } from '../otlp/index.ts';
import { redactionConfigSchema, type RedactionConfig } from './redaction-config.ts';
import { Redactor, type KeyValue } from './redaction-rules.ts';

type Obj = JsonObject;
const list = (value: JsonValue | undefined): Obj[] => (Array.isArray(value) ? (value as Obj[]) : []);

const ENTRIES: Record<Signal, [string, string, string]> = {
  traces: ['resourceSpans', 'scopeSpans', 'spans'],
  metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
  logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
};
const METRIC_DATA = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

/** Replaces `holder.attributes` with its redacted list. */
function redactIn(redactor: Redactor, holder: Obj | undefined): void {
  if (!holder) return;
  const result = redactor.attributes(list(holder['attributes']) as unknown as KeyValue[]);
  if (result.length > 0 || holder['attributes'] !== undefined) holder['attributes'] = result as unknown as JsonValue;
}

function redactItem(redactor: Redactor, signal: Signal, item: Obj): void {
  if (signal === 'traces') {
    redactIn(redactor, item);
    for (const event of list(item['events'])) redactIn(redactor, event);
  } else if (signal === 'logs') {
    redactIn(redactor, item);
    const { body, attributes } = redactor.logBody(item['body'] as Obj | undefined, list(item['attributes']) as unknown as KeyValue[]);
    if (body !== undefined) item['body'] = body;
    if (attributes.length > 0) item['attributes'] = attributes as unknown as JsonValue;
  } else {
    for (const kind of METRIC_DATA) for (const point of list((item[kind] as Obj | undefined)?.['dataPoints'])) redactIn(redactor, point);
  }
}

/** The request redacted, in OTLP/JSON form (changed in place). */
export function redactRequest(redactor: Redactor, signal: Signal, request: Obj): Obj {
  const [entries, scopes, items] = ENTRIES[signal];
  for (const entry of list(request[entries])) {
    entry['resource'] ??= {};
    redactIn(redactor, entry['resource'] as Obj);
    for (const scopeEntry of list(entry[scopes])) {
      scopeEntry['scope'] ??= {};
      redactIn(redactor, scopeEntry['scope'] as Obj);
      for (const item of list(scopeEntry[items])) redactItem(redactor, signal, item);
    }
  }
  return request;
}

export const redactionProcessorFactory: ProcessorFactory<RedactionConfig> = {
  type: 'redaction',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: redactionConfigSchema,
  create(_ctx, config, signal, next) {
    const redactor = new Redactor(config);
    return {
      consume(payload: Payload) {
        if (payload.items === 0 && payload.resources.length === 0) return next.consume(payload);
        const request = redactRequest(redactor, signal, protobufToJson(signal, encodeRequest(payload)));
        return next.consume(parseRequest(signal, jsonToProtobuf(signal, request)));
      },
    };
  },
};
