// Codec micro-benchmark: CPU cost per item of the hot-path operations (scan and count, encode, batch
// merge/split, rewrite) and of the processors, on a 1000-span request of ~850 bytes per span from the
// OpenTelemetry JS SDK serializer. Writes bench/results/codec.json.
//   node --expose-gc bench/codec/run.ts [--seconds 1]
import { mkdirSync, writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { pino } from 'pino';
import type { Payload, ProcessorFactory, Signal } from '../../src/collector/component.ts';
import {
  decodeRequest, encodeRequest, encodeRequestChunks, jsonToProtobuf, mergePayloads, parseRequest, protobufToJson, rewriteItems, splitPayload,
} from '../../src/collector/otlp/index.ts';
import { attributesProcessorFactory } from '../../src/collector/processors/attributes.ts';
import { filterProcessorFactory } from '../../src/collector/processors/filter.ts';
import { probabilisticSamplerFactory } from '../../src/collector/processors/probabilistic-sampler.ts';
import { Telemetry } from '../../src/collector/telemetry.ts';
import { traceRequest } from './fixture.ts';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1] || 1);
const SPANS = 1000;
const TARGET_NS_PER_SPAN = 200;

// Garbage collections per 1000 calls: an indicator of allocation pressure (large fresh buffers, garbage).
let gcCount = 0;
new PerformanceObserver((list) => {
  gcCount += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });

interface Result {
  name: string;
  nsPerItem: number;
  itemsPerSecond: number;
  calls: number;
  gcPerThousandCalls: number;
}

/** Runs `fn` (handling `items` items per call) for about `seconds` after a warm-up; CPU time per item. */
async function measure(name: string, items: number, fn: () => unknown): Promise<Result> {
  (globalThis as { gc?: () => void }).gc?.();
  const warmUntil = Date.now() + 200;
  while (Date.now() < warmUntil) fn();
  await settle();
  const gcBefore = gcCount;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  let calls = 0;
  while (process.hrtime.bigint() < deadline && calls < 10_000_000) {
    for (let i = 0; i < 10; i++) fn();
    calls += 10;
  }
  const cpu = process.cpuUsage(cpuBefore);
  const cpuNs = (cpu.user + cpu.system) * 1000;
  const wallNs = Number(process.hrtime.bigint() - started);
  await settle();
  const result: Result = {
    name,
    nsPerItem: round(cpuNs / (calls * items)),
    itemsPerSecond: Math.round((calls * items) / (wallNs / 1e9)),
    calls,
    gcPerThousandCalls: round(((gcCount - gcBefore) * 1000) / calls),
  };
  console.log(`${name.padEnd(46)} ${String(result.nsPerItem).padStart(9)} ns/item  ${result.itemsPerSecond.toLocaleString('en').padStart(13)} items/s`);
  return result;
}

const round = (value: number) => Math.round(value * 100) / 100;
// GC entries reach the observer only when the event loop turns; with --expose-gc each case also starts
// from a collected heap, so garbage of the previous case is not counted against it.
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

function processor<C>(factory: ProcessorFactory<C>, config: unknown, signal: Signal): (payload: Payload) => unknown {
  const telemetry = new Telemetry();
  const ctx = { id: `${factory.type}/bench`, type: factory.type, logger: pino({ level: 'silent' }), telemetry };
  const instance = factory.create(ctx, factory.configSchema.parse(config), signal, { consume: () => {} });
  return (payload) => instance.consume(payload);
}

const request = traceRequest(SPANS);
const payload = parseRequest('traces', request);
const json = JSON.stringify(protobufToJson('traces', request));
const ten = Array.from({ length: 10 }, () => parseRequest('traces', request));
console.log(`request: ${SPANS} spans, ${request.length} bytes (${Math.round(request.length / SPANS)} B/span)`);

const attributes = processor(attributesProcessorFactory, { actions: [{ key: 'deployment.environment', value: 'prod', action: 'upsert' }, { pattern: '^internal\\.', action: 'delete' }] }, 'traces');
const filter = processor(filterProcessorFactory, { traces: { span: ['attributes["http.response.status_code"] == 500'] } }, 'traces');
const sampler = processor(probabilisticSamplerFactory, { sampling_percentage: 10 }, 'traces');

const cases: [string, number, () => unknown][] = [
  ['parseRequest (scan + count)', SPANS, () => parseRequest('traces', request)],
  ['encodeRequest (one buffer)', SPANS, () => encodeRequest(payload)],
  ['encodeRequestChunks', SPANS, () => encodeRequestChunks(payload)],
  ['mergePayloads x10 + splitPayload(8192)', SPANS * 10, () => splitPayload(mergePayloads(ten), 8192)],
  ['splitPayload(300) (cuts inside entries)', SPANS, () => splitPayload(payload, 300)],
  ['rewriteItems, keep all (processor floor)', SPANS, () => rewriteItems(payload, (item) => item)],
  ['attributes: upsert 1 + delete by pattern', SPANS, () => attributes(payload)],
  ['filter: OTTL attribute == int (drops 5%)', SPANS, () => filter(payload)],
  ['probabilistic_sampler 10%', SPANS, () => sampler(payload)],
  ['decodeRequest (full decode, debug path)', SPANS, () => decodeRequest('traces', request)],
  ['jsonToProtobuf (OTLP/JSON receive path)', SPANS, () => jsonToProtobuf('traces', json)],
];

const results: Result[] = [];
for (const [name, items, fn] of cases) results.push(await measure(name, items, fn));
const parse = results[0]!;
const report = {
  date: new Date().toISOString(),
  node: process.version,
  request: { spans: SPANS, bytes: request.length, bytesPerSpan: Math.round(request.length / SPANS) },
  target: { parseNsPerSpan: TARGET_NS_PER_SPAN, met: parse.nsPerItem < TARGET_NS_PER_SPAN },
  results,
};
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(new URL('../results/codec.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(`parse + count: ${parse.nsPerItem} ns/span (target < ${TARGET_NS_PER_SPAN}); wrote bench/results/codec.json`);
