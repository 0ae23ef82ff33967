// Builders of parsed TelemetryPipelines for render tests.
import { parsePipeline, type TelemetryPipeline } from '../../../src/api/telemetry-pipeline.ts';

export const BACKEND = { name: 'backend', otlp: { endpoint: 'backend.observability.svc:4317', insecure: true } };

export function pipeline(spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): TelemetryPipeline {
  const result = parsePipeline({
    apiVersion: 'fleet.telemetry.dev/v1alpha1',
    kind: 'TelemetryPipeline',
    metadata: { name: 'checkout', namespace: 'shop', uid: '0b6c2a4e-1111-4222-8333-944455556666', ...metadata },
    spec: { exporters: [BACKEND], ...spec },
  });
  if (!result.ok) throw new Error(`fixture does not parse: ${JSON.stringify(result.issues)}`);
  return result.pipeline;
}
