// Public surface of the render package (pure functions; no I/O).
export { renderFleet, fleetObjects, fleetReplicas, fleetWorkload } from './fleet.ts';
export { drainJobName, LABEL_DRAIN_ORDINAL } from './drain-job.ts';
export { queueClaimName, queueClaimOrdinal } from './statefulset.ts';
export type { RenderOptions, RenderedFleet } from './fleet.ts';
export type { CollectorConfig } from './collector-config.ts';
export { memorySizing } from './memory.ts';
export type { MemorySizing } from './memory.ts';
export {
  ANNOTATION_CONFIG_HASH,
  LABEL_PIPELINE,
  MANAGED_BY,
  fleetLabels,
  fleetName,
  selectorLabels,
  selectorString,
} from './labels.ts';
export * from './defaults.ts';
