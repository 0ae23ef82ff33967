// The cheapest fleet that is never under capacity when load steps up without warning: it must hold, at every
// second, the replicas that carry the largest load that can arrive before new pods are ready, and a controller
// that does not know when a step comes must assume it can come now. So it stands at the trace's peak from the
// start. It knows the peak in advance, which no real controller does: its over-provisioned replica-seconds are a
// lower bound on what matching the guide's 0 s under capacity costs, for information beside the models.
import { capacityOf, type Controller, type SimConfig } from './fleet-sim.ts';
import type { Trace } from './traces.ts';

/** Replicas that carry `peak` spans/s at the replicas' real capacity, within the scaling bounds. */
export function standingReplicas(peak: number, cfg: SimConfig): number {
  const capacity = capacityOf(cfg);
  // The fewest n with n x capacity >= peak, as the score checks it (a division can round either way).
  let carrying = Math.max(0, Math.floor(peak / capacity) - 1);
  while (carrying * capacity < peak) carrying++;
  return Math.min(cfg.maxReplicas, Math.max(cfg.minReplicas, carrying));
}

/** The highest load of the trace, second by second. */
export function peakLoad(trace: Trace): number {
  let peak = 0;
  for (let t = 0; t < trace.durationSeconds; t++) peak = Math.max(peak, trace.load(t));
  return peak;
}

export function standingPeakController(trace: Trace, cfg: SimConfig): Controller {
  const replicas = standingReplicas(peakLoad(trace), cfg);
  return { evaluate: () => replicas };
}
