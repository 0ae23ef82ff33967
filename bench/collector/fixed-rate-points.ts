// The fixed-rate (open-loop) benchmark's points: a rate, a request size and a pipeline, as a fleet runs them
// (the autoscaler aims at 70 % of a replica's capacity, far below saturation). Pure, so it is unit-tested.
import type { Scenario } from './scenarios.ts';

export interface FixedRatePoint extends Pick<Scenario, 'attributes' | 'gzip'> {
  readonly id: string;
  readonly title: string;
  /** Offered spans per second (telemetrygen plus the latency probe). */
  readonly spansPerSec: number;
  /** Spans per export request. */
  readonly batchSize: number;
}

const point = (spansPerSec: number, opts: Partial<Pick<FixedRatePoint, 'attributes' | 'gzip' | 'batchSize'>> = {}): FixedRatePoint => {
  const { attributes = false, gzip = false, batchSize = 100 } = opts;
  const kind = attributes ? 'attributes' : gzip ? 'gzip' : batchSize !== 100 ? `batch${batchSize}` : 'plain';
  const extras = [attributes && 'attributes processor', gzip && 'gzip in and out', batchSize !== 100 && `${batchSize} spans per request`].filter(Boolean);
  return {
    id: `${kind}-${spansPerSec / 1000}k`,
    title: `${spansPerSec / 1000}k spans/s${extras.length ? `, ${extras.join(', ')}` : ''}`,
    spansPerSec, batchSize, attributes, gzip,
  };
};

export const FIXED_RATE_POINTS: readonly FixedRatePoint[] = [
  point(20_000),
  point(50_000),
  point(100_000),
  point(50_000, { gzip: true }),
  point(50_000, { attributes: true }),
  point(50_000, { batchSize: 1000 }),
];

/** Points by id (comma-separated), in the order given; all when `ids` is empty. */
export function selectPoints(ids: string | undefined): FixedRatePoint[] {
  if (!ids) return [...FIXED_RATE_POINTS];
  return ids.split(',').map((id) => {
    const found = FIXED_RATE_POINTS.find((p) => p.id === id.trim());
    if (!found) throw new Error(`unknown point "${id}"; known: ${FIXED_RATE_POINTS.map((p) => p.id).join(', ')}`);
    return found;
  });
}

/** Median of the samples; NaN when there are none. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
