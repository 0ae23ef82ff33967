// How the container memory limit is split between the memory_limiter and the V8 heap (guide 3.4), in whole MiB
// and integer arithmetic, so the API server (a CEL rule, below) and the renderer compute the very same figures.
// 2Gi at 75 % / 25 % gives limit_mib 1536, spike_limit_mib 384 and a 1152 MiB heap.
import { MIB, parseQuantity } from './quantity.ts';

/** Smallest V8 old-space the Node collector is given; below it a fleet cannot hold its batches and queues (refused at admission). */
export const MIN_HEAP_MIB = 64;

export interface MemorySplit {
  /** memory_limiter limit_mib: the hard limit. */
  limitMiB: number;
  /** memory_limiter spike_limit_mib: refusing starts at limitMiB - spikeLimitMiB. */
  spikeLimitMiB: number;
  /** --max-old-space-size of the collector's Node process: the soft limit. */
  heapMiB: number;
}

export function memorySplit(memoryLimit: string | number, limitPercent: number, spikePercent: number): MemorySplit {
  const containerMiB = Math.trunc(parseQuantity(memoryLimit) / MIB);
  const limitMiB = Math.trunc((containerMiB * limitPercent) / 100);
  // spike_limit_mib 0 means "unset" to the memory_limiter (upstream's and ours): 20 % of limit_mib. A spikePercent that
  // rounds to 0 MiB (0 included) asks for the smallest allowance instead, which is 1 MiB.
  const spikeLimitMiB = Math.max(1, Math.trunc((limitMiB * spikePercent) / 100));
  return { limitMiB, spikeLimitMiB, heapMiB: limitMiB - spikeLimitMiB };
}

/** CEL over the spec for `memorySplit(...).heapMiB >= MIN_HEAP_MIB`, reading absent fields as their defaults. */
export function minHeapCel(defaults: { memory: string; limitPercent: number; spikePercent: number }): string {
  const memory = `(has(self.resources) && has(self.resources.limits) && has(self.resources.limits.memory) ? string(self.resources.limits.memory) : '${defaults.memory}')`;
  const percent = (field: string, fallback: number) =>
    `(has(self.memoryLimiter) && has(self.memoryLimiter.${field}) ? self.memoryLimiter.${field} : ${fallback})`;
  const containerMiB = `int(quantity(${memory}).asApproximateFloat() / ${MIB}.0)`;
  const limitMiB = `(${containerMiB} * ${percent('limitPercent', defaults.limitPercent)} / 100)`;
  const spike = `(${limitMiB} * ${percent('spikePercent', defaults.spikePercent)} / 100)`;
  return `${limitMiB} - (${spike} > 1 ? ${spike} : 1) >= ${MIN_HEAP_MIB}`;
}
