// Figures of one simulated run (pure).
import { capacityOf, idealReplicas, type SimConfig, type Timeline } from './fleet-sim.ts';
import type { Trace } from './traces.ts';

export interface StepFigure {
  at: number;
  /** Seconds until the replicas asked for could carry the load (replicas x capacity >= load). */
  decidedSeconds: number | null;
  /** Seconds until the ready replicas could carry it. */
  readySeconds: number | null;
}

export interface Figures {
  steps: StepFigure[];
  /** Longest stretch with ready replicas x capacity < load (data refused). */
  longestUnderCapacitySeconds: number;
  secondsUnderCapacity: number;
  refusedSpans: number;
  replicaSeconds: number;
  idealReplicaSeconds: number;
  /** Sum over time of replicas beyond the ideal ceil(load / (real capacity x target)). */
  replicaSecondsOverIdeal: number;
  scaleEvents: number;
}

export function score(trace: Trace, timeline: Timeline, cfg: SimConfig): Figures {
  const n = timeline.load.length;
  const carries = (replicas: number, load: number) => replicas * capacityOf(cfg) >= load;
  let secondsUnderCapacity = 0;
  let run = 0;
  let longest = 0;
  let refusedSpans = 0;
  let replicaSeconds = 0;
  let idealReplicaSeconds = 0;
  let over = 0;
  for (let t = 0; t < n; t++) {
    const load = timeline.load[t] ?? 0;
    const provisioned = timeline.provisioned[t] ?? 0;
    const ideal = idealReplicas(load, cfg);
    const under = !carries(timeline.ready[t] ?? 0, load);
    secondsUnderCapacity += under ? 1 : 0;
    run = under ? run + 1 : 0;
    longest = Math.max(longest, run);
    refusedSpans += timeline.refused[t] ?? 0;
    replicaSeconds += provisioned;
    idealReplicaSeconds += ideal;
    over += Math.max(0, provisioned - ideal);
  }
  const firstCarrying = (from: number, replicas: number[]): number | null => {
    for (let t = from; t < n; t++) if (carries(replicas[t] ?? 0, timeline.load[t] ?? 0)) return t - from;
    return null;
  };
  return {
    steps: trace.stepUps.map((at) => ({ at, decidedSeconds: firstCarrying(at, timeline.provisioned), readySeconds: firstCarrying(at, timeline.ready) })),
    longestUnderCapacitySeconds: longest,
    secondsUnderCapacity,
    refusedSpans: Math.round(refusedSpans),
    replicaSeconds,
    idealReplicaSeconds,
    replicaSecondsOverIdeal: over,
    scaleEvents: timeline.events.length,
  };
}
