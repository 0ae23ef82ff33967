// A CPU-utilization HPA with the default behaviour, for comparison. What it sees is CPU, a
// lagging proxy of throughput:
// - a pod's utilization is its CPU (idle baseline + cost x accepted spans, at most its limit) over
//   its CPU request, as an HPA's averageUtilization is: it stops growing when the pod refuses, so
//   the HPA cannot see how far above capacity the load is;
// - the HPA reads the average over a metrics window that ends `metricDelaySeconds` ago
//   (metrics-server scrape interval and resolution);
// - a pod without a full window of metrics since it became ready is ignored, as the HPA ignores
//   unready and initializing pods: counted as 0 % on a scale-up, left out otherwise.
// Then the HPA's replica calculation (tolerance 0.1) and default behaviour (behavior.ts).
import { EMPTY_HISTORY, HPA_SCALE_UP, normalize, type History } from '../../src/operator/autoscale/behavior.ts';
import type { Controller, FleetView, SimConfig, SimPod } from './fleet-sim.ts';

export interface CpuModel {
  /** averageUtilization, a fraction of the request. */
  targetCpu: number;
  metricWindowSeconds: number;
  metricDelaySeconds: number;
  tolerance: number;
  scaleDownStabilizationSeconds: number;
}

export const DEFAULT_CPU_MODEL: CpuModel = {
  targetCpu: 0.7,
  metricWindowSeconds: 30,
  metricDelaySeconds: 15,
  tolerance: 0.1,
  scaleDownStabilizationSeconds: 300,
};

export function cpuHpaController(cfg: SimConfig, model: CpuModel = DEFAULT_CPU_MODEL, requestCores = cfg.requestCores): Controller {
  let history: History = EMPTY_HISTORY;
  const behavior = { ...HPA_SCALE_UP, minReplicas: cfg.minReplicas, maxReplicas: cfg.maxReplicas, scaleDownStabilizationSeconds: model.scaleDownStabilizationSeconds };
  const cpu = (pod: SimPod, t: number): number | undefined => {
    const end = t - model.metricDelaySeconds;
    const from = end - model.metricWindowSeconds;
    if (from < pod.readyAt) return undefined;
    let sum = 0;
    for (let s = from; s < end; s++) sum += pod.perSecond[s - pod.createdAt] ?? 0;
    const accepted = sum / model.metricWindowSeconds;
    return Math.min(cfg.limitCores, cfg.baselineCores + cfg.spanCost * accepted) / requestCores;
  };
  return {
    evaluate({ t, pods, current }: FleetView): number {
      const measured: number[] = [];
      let ignored = 0;
      for (const pod of pods) {
        const usage = cpu(pod, t);
        if (usage === undefined) ignored++;
        else measured.push(usage);
      }
      const recommendation = replicaCount(measured, ignored, current, model);
      const result = normalize(recommendation, current, t * 1000, history, behavior);
      history = result.history;
      return result.desired;
    },
  };
}

/** The HPA's replica calculation for a utilization target (replica_calculator.go). */
function replicaCount(measured: number[], ignored: number, current: number, model: CpuModel): number | undefined {
  if (measured.length === 0) return undefined; // "did not receive metrics for any ready pods"
  const total = measured.reduce((a, b) => a + b, 0);
  const ratio = total / measured.length / model.targetCpu;
  if (ignored === 0 || ratio <= 1) {
    if (Math.abs(1 - ratio) <= model.tolerance) return current;
    return Math.ceil(ratio * measured.length);
  }
  // Scale-up with unready pods: they count as using nothing.
  const count = measured.length + ignored;
  const rebalanced = total / count / model.targetCpu;
  if (Math.abs(1 - rebalanced) <= model.tolerance || rebalanced < 1) return current;
  return Math.ceil(rebalanced * count);
}
