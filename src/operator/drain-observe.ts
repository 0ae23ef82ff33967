// Kubernetes objects -> the views planDrains decides from (pure): one pipeline's queue claims, its drain Jobs, and
// the claims its collector pods still mount.
import type { KubeObject } from './kube/types.ts';
import type { ClaimView, JobView } from './drain.ts';
import { drainJobName, LABEL_DRAIN_ORDINAL, queueClaimOrdinal } from './render/index.ts';

interface JobFields {
  status?: { failed?: number; conditions?: { type?: string; status?: string }[] };
}

interface PodFields {
  status?: { phase?: string };
  spec?: { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] };
}

const inNamespace = (obj: KubeObject, namespace: string) => obj.metadata.namespace === namespace;

export function claimViews(claims: Iterable<KubeObject>, namespace: string, pipeline: string): ClaimView[] {
  const views: ClaimView[] = [];
  for (const claim of claims) {
    if (!inNamespace(claim, namespace)) continue;
    const ordinal = queueClaimOrdinal(pipeline, claim.metadata.name ?? '');
    if (ordinal !== undefined) views.push({ name: claim.metadata.name!, ordinal, deleting: !!claim.metadata.deletionTimestamp });
  }
  return views;
}

function jobState(job: JobFields): JobView['state'] {
  const conditions = job.status?.conditions ?? [];
  const holds = (type: string) => conditions.some((c) => c.type === type && c.status === 'True');
  if (holds('Complete')) return 'complete';
  if (holds('Failed')) return 'failed';
  return 'active';
}

export function jobViews(jobs: Iterable<KubeObject>, namespace: string, pipeline: string): JobView[] {
  const views: JobView[] = [];
  for (const job of jobs) {
    if (!inNamespace(job, namespace)) continue;
    const ordinal = Number(job.metadata.labels?.[LABEL_DRAIN_ORDINAL] ?? NaN);
    if (!Number.isInteger(ordinal) || job.metadata.name !== drainJobName(pipeline, ordinal)) continue;
    const fields = job as JobFields;
    views.push({
      name: job.metadata.name,
      ordinal,
      state: jobState(fields),
      failedAttempts: fields.status?.failed ?? 0,
      deleting: !!job.metadata.deletionTimestamp,
    });
  }
  return views;
}

/** Claims mounted by a collector pod (not a drain Job's) that has not finished: its volume is still in use. */
export function claimsMountedByCollectors(pods: Iterable<KubeObject>, namespace: string): Set<string> {
  const mounted = new Set<string>();
  for (const pod of pods) {
    if (!inNamespace(pod, namespace) || pod.metadata.labels?.[LABEL_DRAIN_ORDINAL] !== undefined) continue;
    const { status, spec } = pod as PodFields;
    if (status?.phase === 'Succeeded' || status?.phase === 'Failed') continue;
    for (const v of spec?.volumes ?? []) if (v.persistentVolumeClaim?.claimName) mounted.add(v.persistentVolumeClaim.claimName);
  }
  return mounted;
}
