// What filters look at on an item being visited: its attributes, name, kind, body or severity, and its
// resource and scope. Values are read from the encoded messages on demand.
import { decodeAnyValue, type AnyValue } from '../otlp/any-value.ts';
import { findAttribute } from '../otlp/attributes.ts';
import { lastLenField, stringField, varintField } from '../otlp/fields.ts';
import type { ItemContext } from '../otlp/index.ts';
import { LOG_BODY, LOG_EVENT_NAME, LOG_SEVERITY_NUMBER, LOG_SEVERITY_TEXT, RESOURCE_ATTRIBUTES, SCOPE_NAME, SCOPE_VERSION, SPAN_KIND, SPAN_NAME } from '../otlp/schema.ts';

export function itemAttribute(item: Uint8Array, context: ItemContext, key: Uint8Array): AnyValue | undefined {
  const value = findAttribute(item, context.attributesField, key);
  return value === undefined ? undefined : decodeAnyValue(value);
}

export function resourceAttribute(context: ItemContext, key: Uint8Array): AnyValue | undefined {
  const value = findAttribute(context.resource(), RESOURCE_ATTRIBUTES, key);
  return value === undefined ? undefined : decodeAnyValue(value);
}

export const spanName = (item: Uint8Array): string => stringField(item, SPAN_NAME, 'Span');

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];

/** The span kind as upstream's traceutil spells it (SPAN_KIND_SERVER, ...). */
export function spanKindName(item: Uint8Array): string {
  const kind = varintField(item, SPAN_KIND, 'Span');
  return SPAN_KINDS[kind] ?? String(kind);
}

export function logBody(item: Uint8Array): AnyValue | undefined {
  const body = lastLenField(item, LOG_BODY, 'LogRecord');
  return body === undefined ? undefined : decodeAnyValue(body);
}

export const severityText = (item: Uint8Array): string => stringField(item, LOG_SEVERITY_TEXT, 'LogRecord');
export const severityNumber = (item: Uint8Array): number => varintField(item, LOG_SEVERITY_NUMBER, 'LogRecord');
export const eventName = (item: Uint8Array): string => stringField(item, LOG_EVENT_NAME, 'LogRecord');
export const scopeName = (context: ItemContext): string => stringField(context.scope(), SCOPE_NAME, 'InstrumentationScope');
export const scopeVersion = (context: ItemContext): string => stringField(context.scope(), SCOPE_VERSION, 'InstrumentationScope');
