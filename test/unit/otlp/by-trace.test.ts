// splitByTrace against protobufjs as an independent decoder: on random requests whose spans share a few trace ids,
// every part holds one trace, and the parts hold exactly the request's spans, each with its resource and scope.
import fc from 'fast-check';
import { splitByTrace } from '../../../src/collector/otlp/by-trace.ts';
import { parseRequest } from '../../../src/collector/otlp/index.ts';
import { request } from './arbitraries.ts';
import { flatItems, pbDecode, pbEncode } from './protobufjs-schema.ts';

const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 150) };
const POOL = [new Uint8Array(16).fill(1), new Uint8Array(16).fill(2), Uint8Array.from({ length: 16 }, (_, i) => i), undefined];

/** A random request whose spans take their trace ids from POOL (one in four without any). */
const requests = fc.tuple(request('traces'), fc.integer({ min: 1, max: 4 })).map(([object, kinds]) => {
  let n = 0;
  for (const entry of (object.resourceSpans as any[]) ?? []) {
    for (const scope of entry.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const id = POOL[n++ % kinds];
        if (id) span.traceId = id;
        else delete span.traceId;
      }
    }
  }
  return pbEncode('traces', object);
});

const key = (item: any) => JSON.stringify(item, (_k, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value));
/** A decoded span's trace id in hex (protobufjs gives bytes as base64), the zero id when absent or empty. */
const idOf = (item: any) => {
  const id = typeof item.item.traceId === 'string' ? Buffer.from(item.item.traceId, 'base64') : Buffer.from(item.item.traceId ?? []);
  return id.length === 0 ? '0'.repeat(32) : id.toString('hex');
};

test('each part holds one trace; together they hold every span with its resource and scope', () => {
  fc.assert(fc.property(requests, (bytes) => {
    const parts = parseRequest('traces', bytes).resources.flatMap((entry) => splitByTrace(entry));
    const items = parts.flatMap((part) => {
      const partItems = flatItems('traces', pbDecode('traces', wrap(part.entry))) as any[];
      expect(partItems).toHaveLength(part.spans);
      expect(new Set(partItems.map(idOf)).size).toBe(1);
      expect(idOf(partItems[0])).toBe(Buffer.from(part.key, 'latin1').toString('hex'));
      return partItems;
    });
    expect(items.map(key).sort()).toEqual((flatItems('traces', pbDecode('traces', bytes)) as any[]).map(key).sort());
  }), RUNS);
});

/** An export request holding one encoded ResourceSpans. */
function wrap(entry: Uint8Array): Uint8Array {
  const header = [0x0a];
  for (let n = entry.length; ; n >>>= 7) {
    if (n < 0x80) {
      header.push(n);
      break;
    }
    header.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from(header), entry]);
}
