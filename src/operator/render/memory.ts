// memory_limiter and V8 heap sizing from the container memory limit (guide 3.4).
import { memorySplit, type MemorySplit } from '../../api/memory-split.ts';
import type { TelemetryPipelineSpec } from '../../api/telemetry-pipeline.ts';

export interface MemorySizing extends MemorySplit {
  checkInterval: string;
}

/**
 * The heap is capped at the soft limit (limit_mib - spike_limit_mib), not at limit_mib: in this collector the
 * payloads are Buffers outside the V8 heap, and memory_limiter counts heap plus those buffers against limit_mib.
 * A heap above the soft limit means the limiter is already refusing, so V8 should collect hard there instead of
 * growing into the spike allowance that in-flight buffers need; the 25 % of the container above limit_mib stays
 * for the young generation, code and native memory. Only pods of our image get the heap setting (collector-process.ts).
 * The schema refuses a spec that leaves less than MIN_HEAP_MIB.
 */
export function memorySizing(spec: TelemetryPipelineSpec): MemorySizing {
  const { limitPercent, spikePercent, checkInterval } = spec.memoryLimiter;
  return { ...memorySplit(spec.resources.limits.memory, limitPercent, spikePercent), checkInterval };
}
