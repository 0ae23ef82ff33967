// memory_limiter and V8 heap sizing from the container memory limit (guide 3.4).
import { MIB, memoryBytes } from '../../api/quantity.ts';
import type { TelemetryPipelineSpec } from '../../api/telemetry-pipeline.ts';
import { MIN_HEAP_MIB } from './defaults.ts';
import { RenderError } from './errors.ts';

export interface MemorySizing {
  /** memory_limiter limit_mib: the hard limit. */
  limitMiB: number;
  /** memory_limiter spike_limit_mib: refusing starts at limitMiB - spikeLimitMiB. */
  spikeLimitMiB: number;
  /** --max-old-space-size of the collector's Node process. */
  heapMiB: number;
  checkInterval: string;
}

/**
 * 2Gi at 75 % / 25 % gives limit_mib 1536, spike_limit_mib 384 and a 1152 MiB heap.
 *
 * The heap is capped at the soft limit (limit_mib - spike_limit_mib), not at limit_mib: in this collector the
 * payloads are Buffers outside the V8 heap, and memory_limiter counts heap plus those buffers against limit_mib.
 * A heap above the soft limit means the limiter is already refusing, so V8 should collect hard there instead of
 * growing into the spike allowance that in-flight buffers need; the 25 % of the container above limit_mib stays
 * for the young generation, code and native memory. Only pods of our image get the heap setting (collector-process.ts).
 */
export function memorySizing(spec: TelemetryPipelineSpec): MemorySizing {
  const { limitPercent, spikePercent, checkInterval } = spec.memoryLimiter;
  const limitBytes = memoryBytes(spec.resources.limits.memory);
  const limitMiB = Math.floor((limitBytes * limitPercent) / (100 * MIB));
  // spike_limit_mib 0 means "unset" to the memory_limiter (upstream's and ours): 20 % of limit_mib. A spikePercent that
  // rounds to 0 MiB (0 included) asks for the smallest allowance instead, which is 1 MiB.
  const spikeLimitMiB = Math.max(1, Math.floor((limitMiB * spikePercent) / 100));
  const heapMiB = limitMiB - spikeLimitMiB;
  if (heapMiB < MIN_HEAP_MIB) {
    throw new RenderError(
      'spec.resources.limits.memory',
      `${spec.resources.limits.memory} leaves the collector a ${heapMiB} MiB heap (limit_mib ${limitMiB}, spike_limit_mib ${spikeLimitMiB}); at least ${MIN_HEAP_MIB} MiB is needed: raise the memory limit or memoryLimiter.limitPercent`,
    );
  }
  return { limitMiB, spikeLimitMiB, heapMiB, checkInterval };
}
