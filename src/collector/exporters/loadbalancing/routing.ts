// Which backend gets which spans, as upstream routes them: by trace id, each trace's spans (with their resource and
// scope) to the trace's owner on the ring; by service, each resource entry's traces to the owner of the resource's
// `service.name`. With trace pins (trace-pins.ts), a trace seen recently goes to its pinned backend instead. The
// encoded entries in, one list of encoded ResourceSpans per endpoint out.
import { findAttribute, keyBytes } from '../../otlp/attributes.ts';
import { splitByTrace } from '../../otlp/by-trace.ts';
import { countItems } from '../../otlp/scan.ts';
import { ANY_STRING, ENTRY_RESOURCE, RESOURCE_ATTRIBUTES } from '../../otlp/schema.ts';
import { FieldReader, LEN } from '../../otlp/wire.ts';
import type { HashRing } from './hash-ring.ts';
import type { TracePins } from './trace-pins.ts';

export type RoutingKey = 'traceID' | 'service';

export interface Route {
  readonly resources: Uint8Array[];
  items: number;
}

export class RoutingError extends Error {}

const SERVICE_NAME = keyBytes('service.name');
const reader = new FieldReader();

/** The entry's Resource message, or undefined without one. */
function resourceOf(entry: Uint8Array): Uint8Array | undefined {
  const r = reader.reset(entry, 0, entry.length, 'ResourceSpans');
  while (r.next()) if (r.field === ENTRY_RESOURCE && r.wireType === LEN) return entry.subarray(r.valueStart, r.valueEnd);
  return undefined;
}

/** The resource's `service.name` as UTF-8 bytes when it is a string, as upstream reads it. */
export function serviceName(entry: Uint8Array): Uint8Array | undefined {
  const resource = resourceOf(entry);
  const value = resource && findAttribute(resource, RESOURCE_ATTRIBUTES, SERVICE_NAME);
  if (!value) return undefined;
  const r = reader.reset(value, 0, value.length, 'AnyValue');
  let found: Uint8Array | undefined;
  while (r.next()) if (r.field === ANY_STRING && r.wireType === LEN) found = value.subarray(r.valueStart, r.valueEnd);
  return found;
}

function owner(ring: HashRing, identifier: Uint8Array): string {
  const endpoint = ring.endpointFor(identifier);
  // Upstream's words when the ring has no backend yet.
  if (endpoint === undefined) throw new RoutingError('couldn\'t find the exporter for the endpoint ""');
  return endpoint;
}

/** The request's ResourceSpans entries grouped by the endpoint each belongs to (ring endpoints as resolved). */
export function route(ring: HashRing, key: RoutingKey, entries: readonly Uint8Array[], pins?: TracePins, now = Date.now()): Map<string, Route> {
  const routes = new Map<string, Route>();
  const add = (endpoint: string, entry: Uint8Array, items: number) => {
    let target = routes.get(endpoint);
    if (!target) routes.set(endpoint, (target = { resources: [], items: 0 }));
    target.resources.push(entry);
    target.items += items;
  };
  for (const entry of entries) {
    if (key === 'service') {
      const service = serviceName(entry);
      if (!service) throw new RoutingError('unable to get service name');
      add(owner(ring, service), entry, countItems('traces', entry));
      continue;
    }
    for (const part of splitByTrace(entry)) {
      const ringOwner = () => owner(ring, Buffer.from(part.key, 'latin1'));
      add(pins ? pins.route(part.key, now, ringOwner) : ringOwner(), part.entry, part.spans);
    }
  }
  return routes;
}
