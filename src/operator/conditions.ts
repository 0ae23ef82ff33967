// metav1.Condition bookkeeping: lastTransitionTime moves only when a condition's status flips.
import { CONDITION_TYPES, type Condition, type ConditionType } from '../api/telemetry-pipeline.ts';

export interface ConditionInput {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/** metav1.Time: RFC 3339 in UTC with whole seconds, as the API server writes it. */
export function metaTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The new condition list: ours in a fixed order (so equal states serialise equally), then any
 * condition types another writer added, untouched.
 */
export function mergeConditions(
  previous: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  observedGeneration: number,
  now: number,
): Condition[] {
  const prev = new Map((previous ?? []).map((c) => [c.type, c]));
  const ours = [...next]
    .sort((a, b) => CONDITION_TYPES.indexOf(a.type) - CONDITION_TYPES.indexOf(b.type))
    .map((c): Condition => {
      const old = prev.get(c.type);
      const lastTransitionTime = old && old.status === c.status ? old.lastTransitionTime : metaTime(now);
      return { type: c.type, status: c.status, observedGeneration, lastTransitionTime, reason: c.reason, message: c.message };
    });
  const managed = new Set<string>(next.map((c) => c.type));
  return [...ours, ...(previous ?? []).filter((c) => !managed.has(c.type))];
}
