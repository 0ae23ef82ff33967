// Pure glue between Kubernetes objects and the autoscaler: which pods to scrape, and the
// status.autoscaling a decision becomes.
import type { AutoscalingStatus } from '../../api/status.ts';
import { LABEL_PIPELINE } from '../render/labels.ts';
import type { KubeObject } from '../kube/types.ts';
import type { Decision } from './decision.ts';
import { formatCpu } from './reason.ts';
import type { ScrapeTarget } from './scrape.ts';

interface PodFields {
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type?: string; status?: string }[];
    containerStatuses?: { started?: boolean }[];
  };
}

/**
 * The fleet's pods to measure: Running, not terminating, with an IP, and Ready or past their startup probe. A
 * collector that fails its readiness probe because it is overloaded still carries the load of the connections it
 * holds: left out, its load would vanish from the fleet's demand (and the fleet scale down under load); scraped, it
 * is measured, or counted unreachable, which never scales down. A pod still starting is left out until it answers.
 */
export function scrapeTargets(pods: Iterable<KubeObject>, namespace: string, pipeline: string, label = LABEL_PIPELINE): ScrapeTarget[] {
  const targets: ScrapeTarget[] = [];
  for (const pod of pods) {
    const { metadata } = pod;
    if (metadata.namespace !== namespace || metadata.labels?.[label] !== pipeline || metadata.deletionTimestamp) continue;
    const status = (pod as PodFields).status;
    const ready = status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    const started = (status?.containerStatuses?.length ?? 0) > 0 && status!.containerStatuses!.every((c) => c.started === true);
    if (status?.phase !== 'Running' || !(ready || started) || !status.podIP) continue;
    targets.push({ pod: metadata.uid ?? `${namespace}/${metadata.name}`, ip: status.podIP });
  }
  return targets;
}

/** Three significant digits: status keeps meaningful figures and is not rewritten for noise. */
function round(value: number): number {
  return Number(value.toPrecision(3));
}

const REASON_MAX = 1024;

/**
 * status.autoscaling for a decision: observations only (rates, the decision and its reason), never read back.
 * lastScaleTime is set only when the decision changes the count; a merge patch leaves the previous one otherwise.
 */
export function autoscalingStatus(decision: Decision, current: number, now: number, learned?: { cores: number; idleCores: number }): AutoscalingStatus {
  const status: AutoscalingStatus = {
    spansPerSecond: round(decision.rates.spansPerSecond),
    metricPointsPerSecond: round(decision.rates.metricPointsPerSecond),
    logRecordsPerSecond: round(decision.rates.logRecordsPerSecond),
    capacity: {
      spansPerSecond: round(decision.capacity.spansPerSecond),
      metricPointsPerSecond: round(decision.capacity.metricPointsPerSecond),
      logRecordsPerSecond: round(decision.capacity.logRecordsPerSecond),
      ...(learned === undefined ? { source: 'Spec' as const } : { source: 'Learned' as const, cpu: formatCpu(learned.cores), idleCores: round(learned.idleCores) }),
    },
    desiredReplicas: decision.desiredReplicas,
    reason: decision.reason.length > REASON_MAX ? `${decision.reason.slice(0, REASON_MAX - 3)}...` : decision.reason,
  };
  if (decision.desiredReplicas !== current) status.lastScaleTime = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
  return status;
}
