// Who last set spec.replicas, read from metadata.managedFields (pure). The API server records
// which field manager owns each field and whether it was written through a subresource, so the
// autoscaler can tell its own writes from a `kubectl scale`, an HPA or an edit of the spec, and
// say so when it overrides one.

/** The field manager of the autoscaler's writes through the scale subresource. */
export const AUTOSCALER_FIELD_MANAGER = 'telemetry-pipeline-operator-autoscaler';

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: { 'f:spec'?: { 'f:replicas'?: unknown } };
}

export interface ReplicasWriter {
  manager: string;
  /** Written through /scale (kubectl scale, an HPA, KEDA) rather than by an edit of the spec. */
  viaScale: boolean;
}

/** The manager owning spec.replicas, if any entry claims it. */
export function replicasWriter(managedFields: unknown): ReplicasWriter | undefined {
  if (!Array.isArray(managedFields)) return undefined;
  for (const entry of managedFields as ManagedFieldsEntry[]) {
    if (entry?.fieldsV1?.['f:spec']?.['f:replicas'] === undefined) continue;
    return { manager: entry.manager ?? 'unknown', viaScale: entry.subresource === 'scale' };
  }
  return undefined;
}

/**
 * The writer of spec.replicas that an autoscaler write would override: anyone but the autoscaler who set it through
 * /scale, or who owns it in a spec edited since creation (managedFields cannot tell an edit of spec.replicas from
 * an edit of another field by the manager that created the object). The count of a pipeline never edited since
 * creation (given or defaulted) is the starting point the autoscaler moves from, not a choice it overrides.
 */
export function overriddenWriter(metadata: { managedFields?: unknown; generation?: number }): ReplicasWriter | undefined {
  const writer = replicasWriter(metadata.managedFields);
  if (!writer || writer.manager === AUTOSCALER_FIELD_MANAGER) return undefined;
  return writer.viaScale || (metadata.generation ?? 1) > 1 ? writer : undefined;
}
