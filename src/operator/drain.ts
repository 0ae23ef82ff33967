// Which persistent queues of scaled-away replicas need a drain Job, which Jobs to delete and which claims to delete
// (pure). The StatefulSet keeps a scaled-away replica's claim (whenScaled: Retain); its pod drained what it could in
// its grace period, the rest is still on the volume. A Job delivers it; only a Job that succeeded (the collector
// found every queue empty) lets the claim go, so no queue is deleted undelivered.
import type { PendingQueue } from '../api/status.ts';

export interface ClaimView {
  name: string;
  ordinal: number;
  deleting: boolean;
}

export interface JobView {
  name: string;
  ordinal: number;
  /** Complete: the queue is empty. Failed: the Job gave up (its backoffLimit). */
  state: 'active' | 'complete' | 'failed';
  /** Attempts that exited without delivering everything. */
  failedAttempts: number;
  deleting: boolean;
}

export interface DrainInput {
  /** The ordinals the StatefulSet runs are 0..replicas-1. */
  replicas: number;
  claims: readonly ClaimView[];
  jobs: readonly JobView[];
  /** Claims a collector pod of the fleet (not a drain pod) still mounts: a scaled-away pod still terminating. */
  mountedByCollector: ReadonlySet<string>;
  /** False when the fleet's image cannot drain (not this project's): claims are kept and reported. */
  canDrain: boolean;
}

export type JobDeletion = { name: string; ordinal: number; reason: 'ScaledUp' | 'Failed' | 'Drained' };

export interface DrainPlan {
  createJobs: number[];
  deleteJobs: JobDeletion[];
  /** Claims whose Job succeeded: their queues are empty. */
  deleteClaims: { name: string; ordinal: number; job: string }[];
  pending: PendingQueue[];
}

export function planDrains(input: DrainInput): DrainPlan {
  const plan: DrainPlan = { createJobs: [], deleteJobs: [], deleteClaims: [], pending: [] };
  const jobs = new Map(input.jobs.map((j) => [j.ordinal, j]));
  const claims = new Map(input.claims.map((c) => [c.ordinal, c]));

  for (const job of input.jobs) {
    if (job.deleting) continue;
    const claim = claims.get(job.ordinal);
    // The StatefulSet wants the ordinal again: its new pod takes over the queue (the directory lock keeps the
    // overlap safe), and the Job stops.
    if (job.ordinal < input.replicas) plan.deleteJobs.push({ name: job.name, ordinal: job.ordinal, reason: 'ScaledUp' });
    // Done once its claim is on the way out (deleted below in an earlier pass) or gone.
    else if (job.state === 'complete' && (!claim || claim.deleting)) plan.deleteJobs.push({ name: job.name, ordinal: job.ordinal, reason: 'Drained' });
    // Given up: deleted, and created again in a later pass, so a queue is retried for as long as it holds data.
    else if (job.state === 'failed') plan.deleteJobs.push({ name: job.name, ordinal: job.ordinal, reason: 'Failed' });
    else if (!claim) plan.deleteJobs.push({ name: job.name, ordinal: job.ordinal, reason: 'Drained' });
  }

  for (const claim of [...input.claims].sort((a, b) => a.ordinal - b.ordinal)) {
    if (claim.ordinal < input.replicas || claim.deleting) continue;
    const job = jobs.get(claim.ordinal);
    const base = { claimName: claim.name, ordinal: claim.ordinal };
    if (job?.state === 'complete') {
      plan.deleteClaims.push({ name: claim.name, ordinal: claim.ordinal, job: job.name });
      continue;
    }
    if (input.mountedByCollector.has(claim.name)) {
      plan.pending.push({ ...base, state: 'WaitingForPod', message: 'the scaled-away collector is still draining its queue' });
      continue;
    }
    if (!input.canDrain) {
      plan.pending.push({
        ...base,
        state: 'Undrainable',
        message: "spec.image is not this project's collector, which alone drains without serving; the claim is kept",
      });
      continue;
    }
    if (!job) {
      plan.createJobs.push(claim.ordinal);
      plan.pending.push({ ...base, state: 'Draining', failedAttempts: 0 });
      continue;
    }
    const retrying = job.state === 'failed' || job.failedAttempts > 0;
    plan.pending.push({
      ...base,
      state: retrying ? 'Retrying' : 'Draining',
      jobName: job.name,
      failedAttempts: job.failedAttempts,
      ...(retrying && { message: `${job.failedAttempts} drain attempt(s) did not deliver everything (backend unreachable?); the data stays on the volume` }),
    });
  }
  return plan;
}
