import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import type { TelemetryPipeline } from '../../api/telemetry-pipeline.ts';
import { OTLP_GRPC_PORT, OTLP_HTTP_PORT } from './defaults.ts';
import { ownedMetadata, selectorLabels } from './labels.ts';

/** The OTLP ports of the enabled protocols; applications send to <pipeline>-collector.<namespace>.svc. */
export function renderService(pipeline: TelemetryPipeline): V1Service {
  const { grpc, http } = pipeline.spec.receivers.otlp;
  const ports: V1ServicePort[] = [
    ...(grpc.enabled
      ? [{ name: 'otlp-grpc', port: OTLP_GRPC_PORT, targetPort: 'otlp-grpc', protocol: 'TCP', appProtocol: 'grpc' }]
      : []),
    ...(http.enabled
      ? [{ name: 'otlp-http', port: OTLP_HTTP_PORT, targetPort: 'otlp-http', protocol: 'TCP', appProtocol: 'http' }]
      : []),
  ];
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMetadata(pipeline),
    spec: { type: 'ClusterIP', selector: selectorLabels(pipeline.metadata.name), ports },
  };
}
