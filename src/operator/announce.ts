// The events a fleet apply is worth (pure): which owned objects it created, and a rollout when the
// collector config changed.
import type { EventInput } from './kube/events.ts';
import { resources } from './kube/resources.ts';
import type { KubeObject } from './kube/types.ts';
import type { Applied } from './reconcile.ts';
import { ANNOTATION_CONFIG_HASH, type RenderedFleet } from './render/index.ts';

export type Announcement = Omit<EventInput, 'regarding'>;

const configHashOf = (d: KubeObject | undefined) =>
  (d?.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template?.metadata?.annotations?.[
    ANNOTATION_CONFIG_HASH
  ];

export function announcements(fleet: RenderedFleet, applied: readonly Applied[]): Announcement[] {
  const out: Announcement[] = [];
  const name = fleet.deployment.metadata?.name ?? '';
  const created = applied.filter((a) => a.created).map((a) => resources[a.kind].kind);
  if (created.length > 0) out.push({ type: 'Normal', reason: 'Created', action: 'Apply', note: `created ${created.join(', ')} ${name}` });
  const workload = applied.find((a) => a.kind === 'deployment' || a.kind === 'statefulSet');
  const before = configHashOf(workload?.before);
  if (before && before !== fleet.configHash) {
    out.push({
      type: 'Normal',
      reason: 'RollingOut',
      action: 'Apply',
      note: `collector config changed (${before} -> ${fleet.configHash}): rolling out ${resources[workload!.kind].kind} ${name}`,
    });
  }
  return out;
}
