// The consistent-hash ring of upstream's loadbalancing exporter (contrib v0.161.0), rebuilt from its facts so both
// route an identifier to the same endpoint: 131071 positions, 200 points per endpoint, each point the CRC-32 (IEEE)
// of the endpoint's bytes followed by the point's index as 4 little-endian bytes, modulo the positions. Candidates
// are placed in order of (position, hash, endpoint); one that lands on a taken position moves to the next free one,
// at most 10 steps, else it is left out. An identifier (trace id bytes, service name) goes to the first point at or
// after CRC-32 of it modulo the positions, wrapping to the first point.
import { crc32 } from 'node:zlib';

export const MAX_POSITIONS = 131071;
export const POINTS_PER_ENDPOINT = 200;
export const PROBE_LIMIT = 10;

export interface RingPoint {
  readonly position: number;
  readonly endpoint: string;
}

interface Candidate {
  readonly position: number;
  readonly hash: number;
  readonly endpoint: string;
}

function candidates(endpoint: string): Candidate[] {
  const name = Buffer.from(endpoint, 'utf8');
  const index = Buffer.alloc(4);
  return Array.from({ length: POINTS_PER_ENDPOINT }, (_, i) => {
    index.writeUInt32LE(i);
    const hash = crc32(index, crc32(name));
    return { position: hash % MAX_POSITIONS, hash, endpoint };
  });
}

/** Go's byte-wise string order (what upstream's tie-break compares). */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export class HashRing {
  readonly points: readonly RingPoint[];
  readonly #positions: Uint32Array;
  readonly endpoints: readonly string[];

  constructor(endpoints: readonly string[]) {
    this.endpoints = [...endpoints];
    const all = endpoints.flatMap(candidates).sort((a, b) =>
      a.position - b.position || a.hash - b.hash || compareBytes(a.endpoint, b.endpoint));
    const taken = new Set<number>();
    const points: RingPoint[] = [];
    for (const candidate of all) {
      let position = candidate.position;
      let probed = 0;
      while (taken.has(position) && probed < PROBE_LIMIT) {
        position = (position + 1) % MAX_POSITIONS;
        probed++;
      }
      if (probed >= PROBE_LIMIT) continue;
      taken.add(position);
      points.push({ position, endpoint: candidate.endpoint });
    }
    points.sort((a, b) => a.position - b.position);
    this.points = points;
    this.#positions = Uint32Array.from(points, (point) => point.position);
  }

  /** The endpoint owning `identifier`; undefined on an empty ring. */
  endpointFor(identifier: Uint8Array): string | undefined {
    if (this.points.length === 0) return undefined;
    const target = crc32(identifier) % MAX_POSITIONS;
    let low = 0;
    let high = this.#positions.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#positions[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return this.points[low === this.points.length ? 0 : low]!.endpoint;
  }

  /** Same points in the same order (upstream rebuilds its exporters only when the ring changed). */
  equals(other: HashRing | undefined): boolean {
    return other !== undefined && other.points.length === this.points.length
      && other.points.every((point, i) => point.position === this.points[i]!.position && point.endpoint === this.points[i]!.endpoint);
  }
}
