// Pure status computation: (previous status, what was rendered, the Deployment as observed) -> status.
// The autoscaler owns status.autoscaling; these are the fields the reconcile owns and writes.
import type { TelemetryPipelineStatus } from '../api/telemetry-pipeline.ts';
import { mergeConditions, type ConditionInput } from './conditions.ts';
import { canonicalJson } from './kube/desired-match.ts';

export type OwnedStatus = Omit<TelemetryPipelineStatus, 'autoscaling'>;

export type RenderOutcome =
  | { ok: true; configHash: string; selector: string; replicas: number }
  | { ok: false; reason: 'InvalidSpec'; message: string };

interface DeploymentCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/** The parts of a Deployment the status is computed from. */
export interface DeploymentView {
  /** Deployment, or StatefulSet with spec.persistence: both report these fields alike. */
  kind?: string;
  metadata?: { generation?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: DeploymentCondition[];
  };
}

export interface StatusInput {
  previous: TelemetryPipelineStatus | undefined;
  generation: number;
  render: RenderOutcome;
  deployment: DeploymentView | undefined;
  now: number;
}

/** True once the Deployment controller has acted on the Deployment's current spec. */
export function deploymentObserved(d: DeploymentView | undefined): boolean {
  return !!d && (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
}

type Rollout =
  | { state: 'missing' | 'pending' }
  | { state: 'rolling' | 'complete'; ready: number; want: number }
  | { state: 'stuck'; reason: string; message: string };

function rollout(d: DeploymentView | undefined, want: number): Rollout {
  if (!d) return { state: 'missing' };
  if (!deploymentObserved(d)) return { state: 'pending' };
  const s = d.status ?? {};
  const failed = s.conditions?.find(
    (c) => (c.type === 'Progressing' && c.status === 'False') || (c.type === 'ReplicaFailure' && c.status === 'True'),
  );
  if (failed) return { state: 'stuck', reason: failed.reason || 'RolloutFailed', message: failed.message ?? '' };
  const ready = s.readyReplicas ?? 0;
  const done = (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && ready >= want && (s.availableReplicas ?? 0) >= want;
  return { state: done ? 'complete' : 'rolling', ready, want };
}

/** The workload (Deployment or StatefulSet) runs `want` up-to-date, ready pods. */
export function workloadReady(d: DeploymentView | undefined, want: number): boolean {
  return rollout(d, want).state === 'complete';
}

function conditionsFor(render: RenderOutcome, r: Rollout, kind: string): ConditionInput[] {
  if (!render.ok) {
    const message = `${render.message}; the running collectors keep their last valid configuration`;
    return [
      { type: 'ConfigValid', status: 'False', reason: render.reason, message: render.message },
      { type: 'Ready', status: 'False', reason: 'ConfigInvalid', message },
      { type: 'Progressing', status: 'False', reason: 'ConfigInvalid', message },
      { type: 'Degraded', status: 'True', reason: 'ConfigInvalid', message },
    ];
  }
  const valid: ConditionInput = { type: 'ConfigValid', status: 'True', reason: 'Rendered', message: 'collector configuration rendered' };
  switch (r.state) {
    case 'missing':
    case 'pending':
      return [
        valid,
        { type: 'Ready', status: 'False', reason: 'RolloutPending', message: `waiting for the ${kind} controller` },
        { type: 'Progressing', status: 'True', reason: 'RollingOut', message: `${kind} updated` },
        { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
      ];
    case 'stuck':
      return [
        valid,
        { type: 'Ready', status: 'False', reason: 'RolloutFailed', message: r.message },
        { type: 'Progressing', status: 'False', reason: r.reason, message: r.message },
        { type: 'Degraded', status: 'True', reason: r.reason, message: r.message },
      ];
    case 'rolling':
    case 'complete': {
      const counts = `${r.ready}/${r.want} collectors ready`;
      const done = r.state === 'complete';
      return [
        valid,
        { type: 'Ready', status: done ? 'True' : 'False', reason: done ? 'Available' : 'RollingOut', message: counts },
        { type: 'Progressing', status: done ? 'False' : 'True', reason: done ? 'RolloutComplete' : 'RollingOut', message: counts },
        { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '' },
      ];
    }
  }
}

export function computeStatus(input: StatusInput): OwnedStatus {
  const { previous, generation, render, deployment, now } = input;
  const want = render.ok ? render.replicas : (deployment?.status?.replicas ?? 0);
  const status: OwnedStatus = {
    observedGeneration: generation,
    replicas: deployment?.status?.replicas ?? 0,
    readyReplicas: deployment?.status?.readyReplicas ?? 0,
    conditions: mergeConditions(previous?.conditions, conditionsFor(render, rollout(deployment, want), deployment?.kind ?? 'Deployment'), generation, now),
  };
  // With an invalid spec the pods still run the last applied configuration: keep its hash.
  const selector = render.ok ? render.selector : previous?.selector;
  const configHash = render.ok ? render.configHash : previous?.configHash;
  if (selector !== undefined) status.selector = selector;
  if (configHash !== undefined) status.configHash = configHash;
  return status;
}

/** The fields of `status` this operator owns, for comparing with what is stored. */
function owned(status: TelemetryPipelineStatus | undefined): OwnedStatus {
  const { autoscaling: _ignored, ...rest } = status ?? {};
  return rest;
}

export function statusChanged(live: TelemetryPipelineStatus | undefined, next: OwnedStatus): boolean {
  return canonicalJson(owned(live)) !== canonicalJson(owned(next));
}


/**
 * How long to hold back a status write: a status that only reports a rollout in progress waits
 * until `settleMs` after the Deployment changed, so a rollout that finishes quickly is reported
 * once (Ready) instead of twice (Progressing, then Ready). 0 means write now.
 */
export function statusWriteDelay(next: OwnedStatus, rolloutStartedAt: number | undefined, now: number, settleMs: number): number {
  const rolling = next.conditions?.some((c) => c.type === 'Progressing' && c.status === 'True');
  if (!rolling || rolloutStartedAt === undefined) return 0;
  return Math.max(0, rolloutStartedAt + settleMs - now);
}
