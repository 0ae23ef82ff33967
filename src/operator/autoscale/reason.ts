// The one-line human reason of a decision: what it did and the figures it did it from, e.g.
// "scaled 3 -> 6: 52,300 spans/s, capacity 10,000 x 0.7 per replica".
import { UNIT, type Item, type PerItem } from './items.ts';

export type Cause =
  | { kind: 'rate' }
  | { kind: 'learning' }
  | { kind: 'saturated'; refusing: Item[]; queueFill: number; queueSaturated: boolean }
  | { kind: 'backendFailing'; failed: number; sent: number; queueFill: number }
  | { kind: 'noMeasurements'; counts: PodCounts };

interface PodCounts {
  measured: number;
  warming: number;
  missing: number;
}

export interface Explained {
  current: number;
  desired: number;
  recommendation: number | undefined;
  cause: Cause;
  limitedBy: string | null;
  driver: Item;
  /** Demand of the driving item, items/s. */
  demand: number;
  /** "capacity 10,000 x 0.7 per replica", or the learned one. */
  capacityText: string;
  accepted: PerItem<number>;
  refused: PerItem<number>;
  spec: { minReplicas: number; maxReplicas: number; scaleDownStabilizationSeconds: number };
  tolerance: number;
  /** How long the autoscaler has watched the fleet. */
  observedSeconds: number;
  scaleUp: { scaleUpPeriodSeconds: number; scaleUpPods: number; scaleUpPercent: number };
  counts: PodCounts;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** 52300 -> "52,300"; small rates keep one decimal (0.4 spans/s is not 0). */
export function formatRate(value: number): string {
  return (Math.abs(value) >= 100 ? integer : decimal).format(value);
}

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;

/** CPU cores as Kubernetes writes them: 0.5 -> "500m", 2 -> "2". */
export function formatCpu(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

export function explain(e: Explained): string {
  const head = e.desired === e.current ? `holding ${e.current}` : `scaled ${e.current} -> ${e.desired}`;
  const parts = [`${head}: ${cause(e)}`];
  const limit = limitText(e);
  if (limit) parts.push(limit);
  const unmeasured = e.counts.warming + e.counts.missing;
  if (unmeasured > 0 && e.cause.kind !== 'noMeasurements') {
    const total = unmeasured + e.counts.measured;
    parts.push(`${unmeasured} of ${total} pods not measured (${podCounts(e.counts)}), counted idle to scale up and at target to scale down`);
  }
  return parts.join('; ');
}

function cause(e: Explained): string {
  const capacity = `${formatRate(e.demand)} ${UNIT[e.driver]}/s, ${e.capacityText}`;
  switch (e.cause.kind) {
    case 'noMeasurements':
      return `no pod could be measured yet (${podCounts(e.cause.counts)})`;
    case 'backendFailing': {
      const failing = e.cause.failed > 0 ? `${formatRate(e.cause.failed)} items/s failed to send` : 'nothing was sent';
      return `exporters are failing (${failing}, fullest queue ${percent(e.cause.queueFill)}); more replicas would not help the backend`;
    }
    case 'saturated': {
      const signs = e.cause.refusing.map((item) => {
        const offered = e.accepted[item] + e.refused[item];
        return `${formatRate(e.refused[item])} ${UNIT[item]}/s refused (${percent(e.refused[item] / offered)} of offered)`;
      });
      if (e.cause.queueSaturated) signs.push(`fullest exporter queue ${percent(e.cause.queueFill)}`);
      return `saturated, ${signs.join(', ')}; ${capacity}`;
    }
    case 'rate':
      return e.limitedBy === 'tolerance' ? `${capacity}, within the ${percent(e.tolerance)} tolerance` : capacity;
    case 'learning':
      return `${formatRate(e.demand)} ${UNIT[e.driver]}/s; learning the capacity from the collectors' CPU time (no cost learned yet), so only saturation scales`;
  }
}

function limitText(e: Explained): string | undefined {
  switch (e.limitedBy) {
    case 'stabilization':
      return `recommended ${e.recommendation}, kept at the highest recommendation of the last ${e.spec.scaleDownStabilizationSeconds}s`;
    case 'observing':
      return `recommended ${e.recommendation}, held: the ${e.spec.scaleDownStabilizationSeconds}s stabilization window has not been observed in full yet (${formatRate(e.observedSeconds)}s since this operator began watching the fleet)`;
    case 'scaleUpLimit':
      return `recommended ${e.recommendation}, limited by the scale-up rate (+${e.scaleUp.scaleUpPercent}% or +${e.scaleUp.scaleUpPods} per ${e.scaleUp.scaleUpPeriodSeconds}s)`;
    case 'maxReplicas':
      return `recommended ${e.recommendation ?? e.current}, capped at maxReplicas ${e.spec.maxReplicas}`;
    case 'minReplicas':
      return `recommended ${e.recommendation ?? e.current}, raised to minReplicas ${e.spec.minReplicas}`;
    default:
      return undefined;
  }
}

function podCounts(counts: PodCounts): string {
  return `${counts.warming} starting, ${counts.missing} unreachable`;
}
