// Traces for the tail_sampling tests, written as OTLP/JSON and encoded by the codec.
import type { Payload } from '../../../src/collector/component.ts';
import { jsonToProtobuf, parseRequest } from '../../../src/collector/otlp/index.ts';
import { splitByTrace } from '../../../src/collector/otlp/by-trace.ts';
import type { TraceData } from '../../../src/collector/processors/tail-sampling-trace.ts';

export interface SpanSpec {
  readonly trace: string;
  readonly start?: number;
  readonly end?: number;
  readonly status?: number;
  readonly flags?: number;
  readonly traceState?: string;
  readonly attributes?: Record<string, string | number | boolean>;
}

export interface EntrySpec {
  readonly resource?: Record<string, string | number | boolean>;
  readonly spans: readonly SpanSpec[];
}

/** A trace id of 32 hex digits from a short name (in both halves: the decision caches key by the second). */
export function traceId(name: string): string {
  return Buffer.from(name.padEnd(8, '.').slice(0, 8).repeat(2), 'latin1').toString('hex');
}

/** The short name of a trace id made by traceId. */
export function traceName(hex: string): string {
  return Buffer.from(hex, 'hex').toString('latin1').slice(0, 8).replace(/\.+$/, '');
}

function attributes(values: Record<string, string | number | boolean> = {}): object[] {
  return Object.entries(values).map(([key, value]) => ({
    key,
    value: typeof value === 'string' ? { stringValue: value } : typeof value === 'boolean' ? { boolValue: value } : Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value },
  }));
}

let spanSerial = 0;

export function request(entries: readonly EntrySpec[]): object {
  return {
    resourceSpans: entries.map((entry) => ({
      resource: { attributes: attributes(entry.resource) },
      scopeSpans: [{
        scope: { name: 'test' },
        spans: entry.spans.map((span) => ({
          traceId: traceId(span.trace),
          spanId: (++spanSerial).toString(16).padStart(16, '0'),
          name: `span-${spanSerial}`,
          startTimeUnixNano: String(BigInt(span.start ?? 1_000) * 1_000_000n),
          endTimeUnixNano: String(BigInt(span.end ?? 1_010) * 1_000_000n),
          attributes: attributes(span.attributes),
          ...(span.status === undefined ? {} : { status: { code: span.status } }),
          ...(span.flags === undefined ? {} : { flags: span.flags }),
          ...(span.traceState === undefined ? {} : { traceState: span.traceState }),
        })),
      }],
    })),
  };
}

export function payload(entries: readonly EntrySpec[]): Payload {
  return parseRequest('traces', jsonToProtobuf('traces', request(entries)));
}

/** One trace as a policy sees it: every span here must carry the same trace name. */
export function trace(entries: readonly EntrySpec[]): TraceData {
  const parts = payload(entries).resources.flatMap((entry) => splitByTrace(entry));
  return { id: Buffer.from(parts[0]!.key, 'latin1'), entries: parts.map((part) => part.entry), spanCount: parts.reduce((n, part) => n + part.spans, 0) };
}
