// How many sampler pods a tail-sampling pipeline needs (pure). A sampler holds every trace it owns for the decision
// wait, so its load is what it holds, not a rate: the traces in memory against num_traces (past it, tail_sampling
// decides the oldest traces early), and the heap against the memory_limiter's limit (past it, data is refused).
// The sampling tier is sized so that each sampler carries targetUtilization of the tighter of the two; the HPA's
// behaviour (behavior.ts) then stabilizes scale-downs and limits scale-ups, as for the routing tier.
import { normalize, type Behavior, type History } from './behavior.ts';
import { formatRate } from './reason.ts';

export interface SamplerLoad {
  /** otelcol_processor_tail_sampling_sampling_traces_on_memory. */
  tracesOnMemory?: number;
  /** otelcol_process_runtime_heap_alloc_bytes. */
  heapBytes?: number;
}

export interface SamplerDecisionInput {
  /** One entry per ready sampler pod; undefined for a pod whose scrape failed. */
  pods: readonly (SamplerLoad | undefined)[];
  numTraces: number;
  /** The memory_limiter's limit_mib, in bytes. */
  heapLimitBytes: number;
  targetUtilization: number;
  currentReplicas: number;
  history: History;
  now: number;
  behavior: Behavior;
}

export interface SamplerDecision {
  desiredReplicas: number;
  /** Replicas the load asks for, before stabilization and bounds; undefined without a measurement. */
  recommendation: number | undefined;
  reason: string;
  newHistory: History;
}

const percent = (share: number) => `${Math.round(share * 100)} %`;

export function decideSamplers(input: SamplerDecisionInput): SamplerDecision {
  const { pods, numTraces, heapLimitBytes, targetUtilization: target, currentReplicas: current } = input;
  const measured = pods.filter((p): p is SamplerLoad => p?.tracesOnMemory !== undefined);
  if (measured.length === 0) {
    const n = normalize(undefined, current, input.now, input.history, input.behavior);
    return { desiredReplicas: n.desired, recommendation: undefined, reason: 'no sampler measured: keeping the count', newHistory: n.history };
  }
  const traces = measured.reduce((sum, p) => sum + p.tracesOnMemory!, 0);
  const heap = measured.reduce((sum, p) => sum + (p.heapBytes ?? 0), 0);
  const byTraces = traces / (numTraces * target);
  const byMemory = heap / (heapLimitBytes * target);
  let recommendation = Math.max(1, Math.ceil(Math.max(byTraces, byMemory)));
  // A sampler that could not be read may be the busy one: never scale down on a partial picture.
  const partial = measured.length < pods.length;
  if (partial) recommendation = Math.max(recommendation, current);
  const n = normalize(recommendation, current, input.now, input.history, input.behavior);
  const driver = byTraces >= byMemory ? `${formatRate(traces)} traces held (${percent(traces / (numTraces * measured.length))} of num_traces per sampler)` : `heap ${percent(heap / (heapLimitBytes * measured.length))} of the memory limit per sampler`;
  const limited = n.limitedBy ? `, limited by ${n.limitedBy}` : '';
  const reason = `${driver} at a ${percent(target)} target asks for ${recommendation} sampler${recommendation === 1 ? '' : 's'}${partial ? ' (not every sampler measured)' : ''}${limited}: ${current} -> ${n.desired}`;
  return { desiredReplicas: n.desired, recommendation, reason, newHistory: n.history };
}
