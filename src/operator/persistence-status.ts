// status.persistence: the queues of scaled-away replicas not delivered yet, as the last drain pass saw them.
import type { PendingQueue, TelemetryPipelineStatus } from '../api/status.ts';
import type { OwnedStatus, RenderOutcome } from './status.ts';

/**
 * Pending queues when there are any; none once all are delivered (or without a claim per replica). An invalid spec
 * runs no drain pass, so the last observed list stays.
 */
export function withPersistenceStatus(
  status: OwnedStatus,
  render: RenderOutcome,
  /** Undefined when no drain pass ran. */
  pendingQueues: PendingQueue[] | undefined,
  previous: TelemetryPipelineStatus | undefined,
): OwnedStatus {
  if (!render.ok) return previous?.persistence ? { ...status, persistence: previous.persistence } : status;
  return pendingQueues && pendingQueues.length > 0 ? { ...status, persistence: { pendingQueues } } : status;
}
