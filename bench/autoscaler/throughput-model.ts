// The product's autoscaler in the simulation: every period the ready pods are "scraped" (their
// cumulative counters become snapshots), then computeRates() and decide() run exactly as in the
// operator, with the capacity either fixed (the guide's 10,000 spans/s per replica, as a spec that
// gives capacityPerReplica) or learned from the pods' CPU time (capacity.ts, the default).
import { GUIDE_CAPACITY } from '../../src/api/telemetry-pipeline.ts';
import { EMPTY_HISTORY, type History } from '../../src/operator/autoscale/behavior.ts';
import { learnCosts, NO_COSTS, recordCosts, type CostHistory } from '../../src/operator/autoscale/capacity.ts';
import { decide, type ScalingPolicy } from '../../src/operator/autoscale/decision.ts';
import { perItem } from '../../src/operator/autoscale/items.ts';
import { computeRates, EMPTY_RATE_STATE, type PodScrape, type RateState } from '../../src/operator/autoscale/rates.ts';
import type { PodSnapshot } from '../../src/operator/autoscale/snapshot.ts';
import type { Controller, FleetView, SimConfig, SimPod } from './fleet-sim.ts';

export type CapacityMode = 'learned' | 'guide';

export function throughputController(cfg: SimConfig, scaleDownStabilizationSeconds: number, mode: CapacityMode): Controller & { reasons: string[] } {
  const spec: ScalingPolicy = {
    minReplicas: cfg.minReplicas,
    maxReplicas: cfg.maxReplicas,
    capacityPerReplica: GUIDE_CAPACITY,
    targetUtilization: cfg.targetUtilization,
    scaleDownStabilizationSeconds,
  };
  let rates: RateState = EMPTY_RATE_STATE;
  let history: History = EMPTY_HISTORY;
  let costs: CostHistory = NO_COSTS;
  const reasons: string[] = [];
  return {
    reasons,
    evaluate({ t, pods, current }: FleetView): number {
      const scrapes: PodScrape[] = pods
        .filter((pod) => pod.readyAt <= t)
        .map((pod) => ({ pod: pod.id, at: t * 1000, result: { ok: true, snapshot: snapshotOf(pod, t) } }));
      const next = computeRates(rates, scrapes);
      rates = next.state;
      costs = recordCosts(costs, next.pods, t * 1000);
      const learned = mode === 'learned' ? learnCosts(costs) : undefined;
      const cpu = mode === 'learned' ? (learned ? { cores: cfg.limitCores, learned } : 'learning' as const) : undefined;
      const decision = decide({ pods: next.pods, spec, ...(cpu && { cpu }), currentReplicas: current, history, now: t * 1000 });
      history = decision.newHistory;
      if (decision.desiredReplicas !== current && t >= 0) reasons.push(`t=${t}s ${decision.reason}`);
      return decision.desiredReplicas;
    },
  };
}

function snapshotOf(pod: SimPod, t: number): PodSnapshot {
  const spans = (n: number) => ({ ...perItem(() => 0), spans: n });
  return {
    accepted: spans(pod.accepted),
    receiverRefused: spans(pod.refused),
    processorRefused: spans(pod.refused),
    sent: spans(pod.accepted),
    sendFailed: spans(0),
    queues: [],
    uptimeSeconds: t - pod.createdAt,
    cpuSeconds: pod.cpuSeconds,
  };
}
