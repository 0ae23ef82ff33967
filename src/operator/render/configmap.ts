import type { V1ConfigMap } from '@kubernetes/client-node';
import type { TelemetryPipeline } from '../../api/telemetry-pipeline.ts';
import { CONFIG_FILE } from './defaults.ts';
import { ownedMetadata } from './labels.ts';

/** The collector config file, mounted into every collector pod. */
export function renderConfigMap(pipeline: TelemetryPipeline, configText: string): V1ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: ownedMetadata(pipeline), data: { [CONFIG_FILE]: configText } };
}
