// What the tail-sampling benchmark sends and where the kept traces land. The traces: ten spans each, sent whole in
// requests of ten traces, a mix the guide's four policies tell apart (5 % with an error, 5 % slower than 1000 ms,
// 5 % with customer.tier=vip, the rest for the probabilistic 10 %). The sink: a raw gRPC server that notes when
// each trace first arrives, for the latency from a trace's last span to its decision's export.
import * as grpc from '@grpc/grpc-js';
import { splitByTrace } from '../../src/collector/otlp/by-trace.ts';
import { jsonToProtobuf, parseRequest, type JsonObject } from '../../src/collector/otlp/index.ts';
import { TRACE_EXPORT_PATH, UNLIMITED_MESSAGES } from '../collector/grpc-raw.ts';

export const SPANS_PER_TRACE = 10;
export const TRACES_PER_REQUEST = 10;

export const GUIDE_POLICIES = [
  { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
  { name: 'slow', type: 'latency', latency: { threshold_ms: 1000 } },
  { name: 'vip', type: 'string_attribute', string_attribute: { key: 'customer.tier', values: ['vip'] } },
  { name: 'probabilistic', type: 'probabilistic', probabilistic: { sampling_percentage: 10 } },
];

const hex = (value: number, bytes: number) => value.toString(16).padStart(bytes * 2, '0').slice(-bytes * 2);

/** Spread-out trace ids (the probabilistic policy hashes them), distinct for each `t`. */
export function traceIdOf(t: number): string {
  let x = (t + 1) * 0x9e3779b1;
  let out = '';
  for (let k = 0; k < 3; k++) {
    x = Math.imul(x ^ (x >>> 15), 0x85ebca6b) >>> 0;
    out += hex(x, 4);
  }
  return out + hex(t, 4);
}

function span(t: number, i: number, base: bigint): JsonObject {
  const kind = t % 20;
  const start = base + BigInt(i * 20);
  const end = kind === 1 && i === 0 ? base + 1500n : start + 15n;
  const attributes: JsonObject[] = [
    { key: 'http.request.method', value: { stringValue: 'GET' } },
    { key: 'http.route', value: { stringValue: `/api/items/${i}` } },
    { key: 'http.response.status_code', value: { intValue: kind === 0 && i === 3 ? '500' : '200' } },
  ];
  if (kind === 2 && i === 1) attributes.push({ key: 'customer.tier', value: { stringValue: 'vip' } });
  return {
    traceId: traceIdOf(t), spanId: hex(t * SPANS_PER_TRACE + i + 1, 8), ...(i > 0 ? { parentSpanId: hex(t * SPANS_PER_TRACE + 1, 8) } : {}),
    name: `GET /api/items/${i}`, kind: 2, startTimeUnixNano: String(start * 1_000_000n), endTimeUnixNano: String(end * 1_000_000n),
    attributes, ...(kind === 0 && i === 3 ? { status: { code: 2 } } : {}),
  };
}

/** Request r: traces r*10 .. r*10+9, whole. */
export function encodeRequest(r: number): Buffer {
  const base = BigInt(Date.now());
  const traces = Array.from({ length: TRACES_PER_REQUEST }, (_, k) => r * TRACES_PER_REQUEST + k);
  const resourceSpans = [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }, { key: 'service.instance.id', value: { stringValue: 'bench-1' } }] },
    scopeSpans: [{ scope: { name: 'bench' }, spans: traces.flatMap((t) => Array.from({ length: SPANS_PER_TRACE }, (_, i) => span(t, i, base))) }],
  }];
  return Buffer.from(jsonToProtobuf('traces', JSON.stringify({ resourceSpans })));
}

export class TimingSink {
  readonly #server = new grpc.Server(UNLIMITED_MESSAGES);
  /** Trace id (latin1 bytes) -> when its first span arrived (performance.now()). */
  readonly arrivals = new Map<string, number>();
  spans = 0;
  port = 0;

  async start(): Promise<void> {
    const raw = (bytes: Buffer) => bytes;
    this.#server.addService({
      Export: { path: TRACE_EXPORT_PATH, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
    }, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
        const at = performance.now();
        for (const entry of parseRequest('traces', call.request).resources) {
          for (const part of splitByTrace(entry)) {
            this.spans += part.spans;
            if (!this.arrivals.has(part.key)) this.arrivals.set(part.key, at);
          }
        }
        done(null, Buffer.alloc(0));
      },
    });
    this.port = await new Promise<number>((resolve, reject) => this.#server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.tryShutdown(() => resolve()));
  }
}
