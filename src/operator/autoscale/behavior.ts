// The Kubernetes HPA's default scaling behaviour (pkg/controller/podautoscaler/horizontal.go),
// applied to a raw replica recommendation (pure). Shared by the throughput autoscaler and the
// CPU-HPA model of the benchmark, so the two differ only in what they measure.
//
// - Scale-down stabilization: the fleet comes down only to the highest recommendation of the
//   window, so a dip in load must last the whole window before replicas go. The recommendations
//   live in memory: an autoscaler that started watching the fleet less than a window ago (a new
//   leader, a restart) has not seen them all, so it holds the fleet as if the unseen part of the
//   window had recommended the current count (the HPA forgets on restart and scales down at once).
// - Scale-up is immediate but limited per period to the larger of +scaleUpPods and
//   +scaleUpPercent % of the replica count at the start of the period (HPA default: 4 pods or
//   100 % per 15 s). As in the HPA, a scale event counts in the period when it happened strictly
//   less than a period ago, so `now` should be the evaluation tick, not the end of a slow scrape.
// - Clamped to [minReplicas, maxReplicas].

export interface Recommendation {
  at: number;
  replicas: number;
}

export interface ScaleEvent {
  at: number;
  from: number;
  to: number;
}

/** What the autoscaler remembers between evaluations of one fleet (times in ms). */
export interface History {
  /** Since when the recommendations are known: before that, nothing was observed. */
  observedSince: number;
  recommendations: readonly Recommendation[];
  scaleEvents: readonly ScaleEvent[];
}

/** An autoscaler that starts watching a fleet now, knowing nothing of its past. */
export function historyFrom(now: number): History {
  return { observedSince: now, recommendations: [], scaleEvents: [] };
}

/** A fleet watched since before anything that matters (a simulation from its start). */
export const EMPTY_HISTORY: History = historyFrom(-Infinity);

export interface Behavior {
  minReplicas: number;
  maxReplicas: number;
  scaleDownStabilizationSeconds: number;
  scaleUpPeriodSeconds: number;
  scaleUpPods: number;
  scaleUpPercent: number;
}

export const HPA_SCALE_UP = { scaleUpPeriodSeconds: 15, scaleUpPods: 4, scaleUpPercent: 100 } as const;

export type BehaviorLimit = 'stabilization' | 'observing' | 'scaleUpLimit' | 'minReplicas' | 'maxReplicas';

export interface Normalized {
  desired: number;
  /** The recommendation after stabilization, before rate limit and clamps. */
  stabilized: number;
  /** Most replicas allowed now by the scale-up rate limit. */
  scaleUpLimit: number;
  limitedBy: BehaviorLimit | null;
  history: History;
}

/**
 * @param recommendation raw replica count wanted now; undefined when nothing could be measured
 *   (then the current count is kept, only clamped, and nothing is recorded).
 */
export function normalize(
  recommendation: number | undefined,
  current: number,
  now: number,
  history: History,
  behavior: Behavior,
): Normalized {
  const windowStart = now - behavior.scaleDownStabilizationSeconds * 1000;
  const recent = history.recommendations.filter((r) => r.at > windowStart);
  let limitedBy: BehaviorLimit | null = null;
  let stabilized = recommendation ?? current;
  if (recommendation !== undefined && recommendation < current) {
    const highest = Math.max(recommendation, ...recent.map((r) => r.replicas));
    stabilized = Math.min(current, highest);
    if (stabilized > recommendation) limitedBy = 'stabilization';
    if (history.observedSince > windowStart && stabilized < current) {
      stabilized = current;
      limitedBy = 'observing';
    }
  }

  const periodStart = now - behavior.scaleUpPeriodSeconds * 1000;
  const events = history.scaleEvents.filter((e) => e.at > periodStart);
  const startReplicas = current - events.reduce((sum, e) => sum + (e.to - e.from), 0);
  const scaleUpLimit = Math.max(
    current,
    startReplicas + behavior.scaleUpPods,
    Math.ceil(startReplicas * (1 + behavior.scaleUpPercent / 100)),
  );

  let desired = stabilized;
  const highestAllowed = Math.min(behavior.maxReplicas, scaleUpLimit);
  if (desired > highestAllowed) {
    desired = highestAllowed;
    limitedBy = scaleUpLimit < behavior.maxReplicas ? 'scaleUpLimit' : 'maxReplicas';
  }
  if (desired < behavior.minReplicas) {
    desired = behavior.minReplicas;
    limitedBy = 'minReplicas';
  }

  const recommendations = recommendation === undefined ? recent : [...recent, { at: now, replicas: recommendation }];
  const scaleEvents = desired === current ? events : [...events, { at: now, from: current, to: desired }];
  return { desired, stabilized, scaleUpLimit, limitedBy, history: { observedSince: history.observedSince, recommendations, scaleEvents } };
}
