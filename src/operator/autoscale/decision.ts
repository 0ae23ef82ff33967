// The throughput autoscaler's decision (pure): measurements + spec + history + clock -> replicas.
//
// Demand per item = accepted + refused items/s over the fleet. What the demand needs, in replicas at target
// utilization, comes from one of two capacities:
// - fixed (spec.capacityPerReplica): the item that is most loaded,
//     need = max over items of demand[item] / (capacity[item] x targetUtilization);
// - learned from CPU (capacity.ts): the CPU the whole mix takes over what one replica may use at target,
//     need = sum over items of cost[item] x demand[item] / (cores x targetUtilization - baseline),
//   items whose cost is not learned yet costing what the spec's capacity implies.
// The usage ratio is, as in the HPA, need / current; with |usageRatio - 1| <= tolerance the
// recommendation is the current count, otherwise ceil(need).
// Pods that could not be measured (unreachable, or scraped for the first time) count as idle
// when that yields a scale-up and as loaded at target when that yields a scale-down, and in
// between the fleet holds: like the HPA's missing pods, they never cause a scale-down.
//
// Saturation overrides the rate: memory_limiter refusals or an exporter queue above
// queueSaturation scale up by at least one replica, and by the refused share when there is one
// (refusals while new pods are still starting add nothing beyond what the demand needs).
// A failing backend (send failures, or nothing sent at all, while queues are filling) holds:
// more collectors would only queue more for a backend that does not take it.
// The result then goes through the HPA's default behaviour (behavior.ts).
import { HPA_SCALE_UP, normalize, type BehaviorLimit, type History } from './behavior.ts';
import type { LearnedCosts } from './capacity.ts';
import { ITEMS, perItem, RATE_KEY, sumItems, toItemRates, UNIT, type Item, type ItemRates, type PerItem } from './items.ts';
import { fleetTotal, type PodRates } from './rates.ts';
import { explain, formatCpu, formatRate, type Cause } from './reason.ts';

/** The fields of spec.scaling the decision reads. */
export interface ScalingPolicy {
  minReplicas: number;
  maxReplicas: number;
  capacityPerReplica: ItemRates;
  targetUtilization: number;
  scaleDownStabilizationSeconds: number;
}

export interface Tunables {
  tolerance: number;
  /** An exporter queue fuller than this (size / capacity) is saturated. */
  queueSaturation: number;
  /** With send failures, a queue at least this full means the backend is failing. */
  queueFilling: number;
  scaleUpPeriodSeconds: number;
  scaleUpPods: number;
  scaleUpPercent: number;
}

export const DEFAULT_TUNABLES: Tunables = { tolerance: 0.1, queueSaturation: 0.8, queueFilling: 0.5, ...HPA_SCALE_UP };

/** Capacity learned from CPU: the cores one replica may use, and the fleet's learned costs. */
export interface CpuBudget {
  cores: number;
  learned: LearnedCosts;
}

export interface DecisionInput {
  pods: readonly PodRates[];
  spec: ScalingPolicy;
  /**
   * With capacity learned from CPU; 'learning' while no cost is learned yet (the fleet then holds its count unless
   * saturated: the guide's figures are no basis to scale on); without, spec.capacityPerReplica.
   */
  cpu?: CpuBudget | 'learning';
  /** Replica count the Deployment has now (as last set by the reconcile). */
  currentReplicas: number;
  history: History;
  /** Evaluation time in ms. */
  now: number;
  tunables?: Partial<Tunables>;
}

export type Limit = BehaviorLimit | 'tolerance' | 'backendFailing' | 'noMeasurements';

export interface Decision {
  desiredReplicas: number;
  /** One line with the figures, for status and the event. */
  reason: string;
  /** Accepted items/s over the measured pods. */
  rates: ItemRates;
  /** Refused items/s over the measured pods. */
  refused: ItemRates;
  /** Raw recommendation before stabilization, rate limit and clamps (absent when nothing was measured). */
  recommendation?: number;
  /** Demand over the capacity of the current fleet at target utilization. */
  usageRatio: number;
  /** Items/s of each item alone one replica carries at 100 % (its usable cores, when learned). */
  capacity: ItemRates;
  limitedBy: Limit | null;
  newHistory: History;
  pods: { measured: number; warming: number; missing: number };
}

/** Guards ceil() against float noise: 21000 / (10000 * 0.7) is 3.0000000000000004. */
const EPSILON = 1e-9;
const ceil = (x: number) => Math.ceil(x - EPSILON);

export function decide(input: DecisionInput): Decision {
  const t = { ...DEFAULT_TUNABLES, ...input.tunables };
  const { spec, currentReplicas: current, pods } = input;
  const counts = { measured: 0, warming: 0, missing: 0 };
  for (const pod of pods) counts[pod.status]++;
  const unmeasured = counts.warming + counts.missing;
  const accepted = fleetTotal(pods, 'accepted');
  const refused = fleetTotal(pods, 'refused');
  const demand = sumItems(accepted, refused);
  const capacity = input.cpu && input.cpu !== 'learning' ? learnedCapacity(spec, input.cpu) : fixedCapacity(spec);
  const replicasFor = (load: PerItem<number>) => ceil(capacity.need(load));
  const driver = capacity.driver(demand);
  const usageRatio = capacity.need(demand) / Math.max(current, 1);

  const assess = (): { recommendation?: number; cause: Cause; limitedBy?: Limit } => {
    if (counts.measured === 0) return { cause: { kind: 'noMeasurements', counts }, limitedBy: 'noMeasurements' };
    const queueFill = Math.max(0, ...pods.map((p) => (p.status === 'missing' ? 0 : p.queueFill)));
    const failed = total(fleetTotal(pods, 'sendFailed'));
    const sent = total(fleetTotal(pods, 'sent'));
    if (queueFill >= t.queueFilling && (failed > 0 || sent === 0)) {
      return { recommendation: current, cause: { kind: 'backendFailing', failed, sent, queueFill }, limitedBy: 'backendFailing' };
    }
    const refusing = ITEMS.filter((item) => refused[item] > 0);
    const queueSaturated = queueFill > t.queueSaturation;
    if (refusing.length > 0 || queueSaturated) {
      // The measured pods took `accepted` of `demand`: demand/accepted times as many are needed.
      // At least one more than now, unless new pods are still starting or warming up: the
      // refusals are then the ones they are coming to absorb.
      const byShare = refusing.filter((item) => accepted[item] > 0).map((item) => ceil((counts.measured * demand[item]) / accepted[item]));
      const growing = counts.measured + counts.missing < current;
      // While the capacity is being learned, only what the refusals themselves say counts.
      const byCapacity = input.cpu === 'learning' ? 0 : replicasFor(demand);
      const recommendation = Math.max(growing ? current : current + 1, byCapacity, ...byShare);
      return { recommendation, cause: { kind: 'saturated', refusing, queueFill, queueSaturated } };
    }
    if (input.cpu === 'learning') return { recommendation: current, cause: { kind: 'learning' } };
    // Unmeasured pods: idle for a scale-up, at target for a scale-down.
    const need = capacity.need(demand);
    const low = need / Math.max(current, 1);
    const high = (need + unmeasured) / Math.max(current, 1);
    if (current === 0 || low > 1 + t.tolerance) return { recommendation: ceil(need), cause: { kind: 'rate' } };
    if (high < 1 - t.tolerance) return { recommendation: ceil(need + unmeasured), cause: { kind: 'rate' } };
    return { recommendation: current, cause: { kind: 'rate' }, limitedBy: 'tolerance' };
  };

  const { recommendation, cause, limitedBy: assessed } = assess();
  const behavior = { ...t, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, scaleDownStabilizationSeconds: spec.scaleDownStabilizationSeconds };
  const normalized = normalize(recommendation, current, input.now, input.history, behavior);
  const limitedBy = normalized.limitedBy ?? assessed ?? null;
  const reason = explain({
    current,
    desired: normalized.desired,
    recommendation,
    cause,
    limitedBy,
    driver,
    demand: demand[driver],
    capacityText: capacity.text(driver),
    accepted,
    refused,
    spec,
    tolerance: t.tolerance,
    observedSeconds: Math.max(0, (input.now - input.history.observedSince) / 1000),
    scaleUp: t,
    counts,
  });
  const decision: Decision = {
    desiredReplicas: normalized.desired,
    reason,
    rates: toItemRates(accepted),
    refused: toItemRates(refused),
    usageRatio,
    capacity: toItemRates(perItem(capacity.perReplica)),
    limitedBy,
    newHistory: normalized.history,
    pods: counts,
  };
  if (recommendation !== undefined) decision.recommendation = recommendation;
  return decision;
}

/** How a capacity reads a load: replicas it needs at target, the item that drives it, and how it is described. */
interface CapacityView {
  need(load: PerItem<number>): number;
  driver(load: PerItem<number>): Item;
  /** Items/s of `item` alone one replica carries at 100 %. */
  perReplica(item: Item): number;
  text(driver: Item): string;
}

const argmax = (score: (item: Item) => number): Item => ITEMS.reduce((best, item) => (score(item) > score(best) ? item : best), 'spans');

function fixedCapacity(spec: ScalingPolicy): CapacityView {
  const perReplica = (item: Item) => spec.capacityPerReplica[RATE_KEY[item]];
  const share = (load: PerItem<number>, item: Item) => load[item] / (perReplica(item) * spec.targetUtilization);
  return {
    need: (load) => Math.max(0, ...ITEMS.map((item) => share(load, item))),
    driver: (load) => argmax((item) => share(load, item)),
    perReplica,
    text: (item) => `capacity ${formatRate(perReplica(item))} x ${spec.targetUtilization} per replica`,
  };
}

function learnedCapacity(spec: ScalingPolicy, { cores, learned }: CpuBudget): CapacityView {
  const free = Math.max(cores - learned.baselineCores, 0.05 * cores);
  // What one replica may spend on items at target, never less than a tenth of its cores (a baseline near the limit).
  const budget = Math.max(cores * spec.targetUtilization - learned.baselineCores, 0.1 * cores * spec.targetUtilization);
  const cost = perItem((item) => learned.cost[item] ?? free / spec.capacityPerReplica[RATE_KEY[item]]);
  const perReplica = (item: Item) => free / cost[item];
  return {
    need: (load) => ITEMS.reduce((sum, item) => sum + cost[item] * load[item], 0) / budget,
    driver: (load) => argmax((item) => cost[item] * load[item]),
    perReplica,
    text: (item) =>
      `capacity learned: ${formatRate(perReplica(item))} ${UNIT[item]}/s per replica at ${formatCpu(cores)} CPU, x ${spec.targetUtilization}`,
  };
}

function total(values: PerItem<number>): number {
  return ITEMS.reduce((sum, item) => sum + values[item], 0);
}
