// status of a TelemetryPipeline, written only through the status subresource.
import { z } from 'zod';

const INT32_MAX = 2_147_483_647;

/** A count (replicas) bounded like the int32 fields of the Kubernetes objects it mirrors. */
function count(description: string) {
  return z.number().int().min(0).max(INT32_MAX).optional().describe(description);
}

/** metadata.generation: int64 upstream; bounded by what a JS number holds exactly. */
function generation(description: string) {
  return z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe(description);
}

/** RFC 3339 timestamp as Kubernetes writes it ("2025-10-01T12:00:00Z"); format only, so the CRD keeps RE2-safe patterns. */
function timestamp(description: string) {
  return z
    .string()
    .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), {
      message: 'must be an RFC 3339 timestamp',
    })
    .meta({ format: 'date-time', description });
}

export const CONDITION_TYPES = ['Ready', 'ConfigValid', 'Progressing', 'Degraded'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

/** metav1.Condition, with the same bounds as the upstream type. */
export const ConditionSchema = z
  .object({
    type: z
      .string()
      .min(1)
      .max(316)
      .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/)
      .describe('Condition type: Ready, ConfigValid, Progressing or Degraded.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
    observedGeneration: generation('metadata.generation the condition was computed from.'),
    lastTransitionTime: timestamp('When status last changed (not when the condition was last checked).'),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .describe('CamelCase reason for the last transition.'),
    message: z.string().max(32768).describe('Human-readable detail, naming the field at fault when there is one.'),
  })
  .describe('One aspect of the current state (metav1.Condition).');

function rate(items: string) {
  return z.number().min(0).optional().describe(`${items} per second accepted by the whole fleet at the last evaluation.`);
}

export const AutoscalingStatusSchema = z
  .object({
    spansPerSecond: rate('Spans'),
    metricPointsPerSecond: rate('Metric data points'),
    logRecordsPerSecond: rate('Log records'),
    capacity: z
      .object({
        spansPerSecond: z.number().min(0).optional().describe('Spans per second one replica carries (that item alone, at 100 %).'),
        metricPointsPerSecond: z.number().min(0).optional().describe('Metric data points per second one replica carries.'),
        logRecordsPerSecond: z.number().min(0).optional().describe('Log records per second one replica carries.'),
        source: z.enum(['Learned', 'Spec']).optional().describe('Learned from the collectors\' CPU time, or spec.scaling.capacityPerReplica (given, or the guide\'s until learned).'),
        cpu: z.string().max(16).optional().describe('CPU one replica may use, which learned capacity is for (its CPU limit; one core at most for the Node collector).'),
        idleCores: z.number().min(0).optional().describe('CPU cores an idle collector process uses, as learned.'),
      })
      .optional()
      .describe('The capacity per replica the last decision divided by.'),
    desiredReplicas: count('Replica count the autoscaler decided at the last evaluation (it wrote it to spec.replicas; this is a record, never read back).'),
    lastScaleTime: timestamp('When the autoscaler last changed the replica count.').optional(),
    reason: z.string().max(1024).optional().describe('Why the autoscaler decided as it did, with the figures.'),
  })
  .describe('What the throughput autoscaler observed and decided at its last evaluation (observations only: the replica count lives in spec.replicas).');

export const PENDING_QUEUE_STATES = ['WaitingForPod', 'Draining', 'Retrying', 'Undrainable'] as const;

export const PersistenceStatusSchema = z
  .object({
    pendingQueues: z
      .array(
        z
          .object({
            claimName: z.string().max(253).describe('The PersistentVolumeClaim holding a queue that is not delivered yet.'),
            ordinal: z.number().int().min(0).max(INT32_MAX).describe('The StatefulSet ordinal the volume belonged to.'),
            state: z
              .enum(PENDING_QUEUE_STATES)
              .describe(
                'WaitingForPod: the scaled-away pod still holds the volume. Draining: the drain Job runs. Retrying: it ' +
                  'failed and runs again after a backoff. Undrainable: the image cannot drain (not this project\'s).',
              ),
            jobName: z.string().max(253).optional().describe('The drain Job delivering this queue.'),
            failedAttempts: count('Drain attempts that ended without delivering everything.'),
            message: z.string().max(1024).optional().describe('Why the queue is still pending, as last seen.'),
          })
          .describe('A queue of a replica scaled away that still holds data, or may.'),
      )
      .max(1000)
      .optional()
      .describe('Volumes of replicas scaled away whose queues are not delivered yet; their data is never deleted undelivered.'),
  })
  .describe('What became of the persistent queues of replicas scaled away.');

export const SamplerStatusSchema = z
  .object({
    replicas: count('Pods of the sampling tier (<name>-sampler, its Deployment status.replicas).'),
    readyReplicas: count('Pods of the sampling tier that are ready.'),
  })
  .describe('The sampling tier of a pipeline with spec.processors.tailSampling.');

export const StatusSchema = z
  .object({
    observedGeneration: generation('metadata.generation the status reflects.'),
    replicas: count('Collector pods of the fleet (status.replicas of its Deployment, or StatefulSet with spec.persistence).'),
    readyReplicas: count('Collector pods that are ready.'),
    selector: z.string().max(1024).optional().describe('Label selector of the collector pods, for the scale subresource.'),
    configHash: z.string().max(64).optional().describe('Hash of the rendered collector config the pods run.'),
    conditions: z
      .array(ConditionSchema)
      .max(16)
      .optional()
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
      .describe('Ready, ConfigValid, Progressing and Degraded.'),
    autoscaling: AutoscalingStatusSchema.optional(),
    sampler: SamplerStatusSchema.optional(),
    persistence: PersistenceStatusSchema.optional(),
  })
  .describe('Observed state of the collector fleet.');

export type Condition = z.output<typeof ConditionSchema>;
export type AutoscalingStatus = z.output<typeof AutoscalingStatusSchema>;
export type PersistenceStatus = z.output<typeof PersistenceStatusSchema>;
export type PendingQueue = NonNullable<PersistenceStatus['pendingQueues']>[number];
export type TelemetryPipelineStatus = z.output<typeof StatusSchema>;
