// A rendered config (fixed ports, every listener on ${env:POD_IP}) runs as the operator's process
// runtime will run it: on a pod's own loopback address.
import { startCollectorProcess } from '../support/collector-process.ts';

test('a config bound to ${env:POD_IP} serves on that loopback address', async () => {
  const podIp = '127.0.0.77';
  const collector = await startCollectorProcess({
    host: podIp,
    env: { POD_IP: podIp },
    config: (ports) => `
receivers:
  otlp:
    protocols:
      http:
        endpoint: \${env:POD_IP}:${ports.http}
exporters:
  debug:
extensions:
  health_check:
    endpoint: \${env:POD_IP}:${ports.health}
service:
  extensions: [health_check]
  telemetry:
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: '\${env:POD_IP}', port: ${ports.metrics}}}}
  pipelines:
    logs: {receivers: [otlp], exporters: [debug]}
`,
  });
  try {
    const response = await fetch(`http://${podIp}:${collector.ports.http}/v1/logs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(200);
    expect(await collector.metrics()).toContain('otelcol_process_memory_rss');
    await expect(fetch(`http://127.0.0.1:${collector.ports.health}/`)).rejects.toThrow();
  } finally {
    expect(await collector.stop()).toBe(0);
  }
});
