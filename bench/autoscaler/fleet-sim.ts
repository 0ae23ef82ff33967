// A one-second-step simulation of a collector fleet under a load trace, driven by a controller
// that is evaluated every period. Pods become ready `startupSeconds` after creation; ready pods
// share the load evenly and refuse what exceeds what their CPU limit affords (the memory_limiter's
// job). A pod's CPU is an idle baseline plus a cost per span, with seeded noise in what it reports.
import { seeded, type Trace } from './traces.ts';

export interface SimConfig {
  /** CPU-seconds one span costs the collector, and the cores an idle one uses. */
  spanCost: number;
  baselineCores: number;
  /** Cores a replica may use (its CPU limit; one for the Node collector), and the CPU it requests (an HPA's 100 %). */
  limitCores: number;
  requestCores: number;
  /** Relative noise of the CPU time a pod reports, each second (+-). */
  cpuNoise: number;
  targetUtilization: number;
  minReplicas: number;
  maxReplicas: number;
  periodSeconds: number;
  startupSeconds: number;
  /** Simulated before t = 0 at the load of t = 0, not scored: both models start settled. */
  warmupSeconds: number;
}

export interface SimPod {
  id: string;
  createdAt: number;
  readyAt: number;
  /** Cumulative counters, as a collector exports them. */
  accepted: number;
  refused: number;
  cpuSeconds: number;
  /** Accepted spans/s of each second since creation (0 before ready). */
  perSecond: number[];
}

export interface FleetView {
  t: number;
  pods: readonly SimPod[];
  /** Replica count last set (the Deployment's spec.replicas). */
  current: number;
}

export interface Controller {
  evaluate(view: FleetView): number;
}

export interface Timeline {
  load: number[];
  provisioned: number[];
  ready: number[];
  refused: number[];
  events: { t: number; from: number; to: number }[];
}

/** Spans/s one replica carries at its CPU limit. */
export function capacityOf(cfg: SimConfig): number {
  return (cfg.limitCores - cfg.baselineCores) / cfg.spanCost;
}

/** Fewest replicas that carry `load` at target utilization of their real capacity. */
export function idealReplicas(load: number, cfg: SimConfig): number {
  const ideal = Math.ceil(load / (capacityOf(cfg) * cfg.targetUtilization) - 1e-9);
  return Math.min(cfg.maxReplicas, Math.max(cfg.minReplicas, ideal));
}

export function simulate(trace: Trace, controller: Controller, cfg: SimConfig): Timeline {
  let serial = 0;
  const start = -cfg.warmupSeconds;
  const newPod = (t: number, ready: boolean): SimPod => ({
    id: `pod-${serial++}`,
    createdAt: t,
    readyAt: ready ? t : t + cfg.startupSeconds,
    accepted: 0,
    refused: 0,
    cpuSeconds: 0,
    perSecond: [],
  });
  const initial = trace.initialReplicas ?? cfg.minReplicas;
  let pods: SimPod[] = Array.from({ length: initial }, () => newPod(start, true));
  let current = initial;
  const timeline: Timeline = { load: [], provisioned: [], ready: [], refused: [], events: [] };
  const capacity = capacityOf(cfg);
  const noise = seeded(99);

  for (let t = start; t < trace.durationSeconds; t++) {
    if ((t - start) % cfg.periodSeconds === 0) {
      const desired = controller.evaluate({ t, pods, current });
      if (desired !== current && t >= 0) timeline.events.push({ t, from: current, to: desired });
      pods = resize(pods, desired, () => newPod(t, false));
      current = desired;
    }
    const load = trace.load(t);
    const ready = pods.filter((p) => p.readyAt <= t);
    const share = ready.length > 0 ? load / ready.length : 0;
    let refused = ready.length > 0 ? 0 : load;
    for (const pod of pods) {
      const taken = pod.readyAt <= t ? Math.min(share, capacity) : 0;
      pod.accepted += taken;
      pod.cpuSeconds += (cfg.baselineCores + cfg.spanCost * taken) * (1 + (noise() * 2 - 1) * cfg.cpuNoise);
      if (pod.readyAt <= t) {
        pod.refused += share - taken;
        refused += share - taken;
      }
      pod.perSecond.push(taken);
    }
    if (t >= 0) {
      timeline.load.push(load);
      timeline.provisioned.push(pods.length);
      timeline.ready.push(ready.length);
      timeline.refused.push(refused);
    }
  }
  return timeline;
}

/** Scale-down removes pods that are not ready first, then the youngest (as a ReplicaSet does). */
function resize(pods: SimPod[], desired: number, create: () => SimPod): SimPod[] {
  if (desired >= pods.length) return [...pods, ...Array.from({ length: desired - pods.length }, create)];
  const byRemovalOrder = [...pods].sort((a, b) => b.readyAt - a.readyAt || b.createdAt - a.createdAt);
  const removed = new Set(byRemovalOrder.slice(0, pods.length - desired));
  return pods.filter((p) => !removed.has(p));
}
