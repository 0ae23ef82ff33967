// The loadbalancing exporter's k8s resolver against the real API server: the EndpointSlices of a Service, as the
// test writes them, become the backend set (ready endpoints only, each address with each port), and every change
// of the slices reaches the resolver and the exporter.
import { pino } from 'pino';
import { loadBalancingConfigSchema } from '../../src/collector/exporters/loadbalancing/config.ts';
import { LoadBalancingExporter } from '../../src/collector/exporters/loadbalancing/exporter.ts';
import { loadBalancerMetrics } from '../../src/collector/exporters/loadbalancing/metrics.ts';
import { K8sResolver } from '../../src/collector/exporters/loadbalancing/resolver-k8s.ts';
import { Telemetry } from '../../src/collector/telemetry.ts';
import { metricValue, testContext } from '../support/exporter-metrics.ts';
import { useTestNamespace, waitFor } from './operator-helpers.ts';

const ctx = useTestNamespace('lb-k8s');
const log = pino({ level: 'warn' });

type Endpoint = { addresses: string[]; conditions?: { ready: boolean } };

async function applySlice(name: string, service: string, endpoints: Endpoint[], ports: number[] = [4317]): Promise<void> {
  await ctx.cluster.client.request('PATCH', `/apis/discovery.k8s.io/v1/namespaces/${ctx.ns}/endpointslices/${name}`, {
    body: {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name, namespace: ctx.ns, labels: { 'kubernetes.io/service-name': service } },
      endpoints, ports: ports.map((port, i) => ({ name: `p${i}`, port, protocol: 'TCP' })),
    },
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: 'tpo-tests', force: true },
  });
}

async function deleteSlice(name: string): Promise<void> {
  await ctx.cluster.client.request('DELETE', `/apis/discovery.k8s.io/v1/namespaces/${ctx.ns}/endpointslices/${name}`);
}

test('the ready endpoints of the Service\'s slices, with each port, follow every change', async () => {
  const seen: string[][] = [];
  const telemetry = new Telemetry();
  await applySlice('samplers-a', 'samplers', [{ addresses: ['198.19.250.2'] }, { addresses: ['198.19.250.1'], conditions: { ready: true } }, { addresses: ['198.19.250.9'], conditions: { ready: false } }]);
  await applySlice('other-a', 'other', [{ addresses: ['198.19.251.9'] }]);
  const resolver = new K8sResolver({ service: `samplers.${ctx.ns}`, ports: [4317, 4318], returnHostnames: false, timeoutMs: 60_000, logger: log, client: ctx.cluster.client }, loadBalancerMetrics(telemetry));
  await resolver.start((endpoints) => seen.push([...endpoints]));
  try {
    expect(seen).toEqual([['198.19.250.1:4317', '198.19.250.1:4318', '198.19.250.2:4317', '198.19.250.2:4318']]);

    await applySlice('samplers-b', 'samplers', [{ addresses: ['198.19.250.3'] }]);
    await waitFor('second slice', async () => seen.length === 2);
    expect(seen[1]).toEqual(['198.19.250.1:4317', '198.19.250.1:4318', '198.19.250.2:4317', '198.19.250.2:4318', '198.19.250.3:4317', '198.19.250.3:4318']);

    await applySlice('samplers-a', 'samplers', [{ addresses: ['198.19.250.1'], conditions: { ready: false } }, { addresses: ['198.19.250.2'] }]);
    await waitFor('endpoint not ready', async () => seen.length === 3);
    expect(seen[2]).toEqual(['198.19.250.2:4317', '198.19.250.2:4318', '198.19.250.3:4317', '198.19.250.3:4318']);

    await deleteSlice('samplers-b');
    await waitFor('slice deleted', async () => seen.length === 4);
    expect(seen[3]).toEqual(['198.19.250.2:4317', '198.19.250.2:4318']);
    expect(await metricValue(telemetry, 'otelcol_loadbalancer_num_backends', { resolver: 'k8s' })).toBe(2);
    expect(await metricValue(telemetry, 'otelcol_loadbalancer_num_backend_updates', { resolver: 'k8s' })).toBe(4);
  } finally {
    resolver.shutdown();
  }
}, 60_000);

// The API server refuses loopback addresses in EndpointSlices, so the slices name unassigned addresses of the real
// node's pod range (198.19.250.0/22, inside the range tests may reach) and the exporter is checked up to its backend
// set here, nothing being sent; routing over a ring is checked against sinks elsewhere
// (collector-loadbalancing.test.ts, exporter-loadbalancing-backends.test.ts).
test('the exporter, configured upstream-style, takes its backends from the Service\'s slices through the kubeconfig', async () => {
  const previous = process.env['KUBECONFIG'];
  process.env['KUBECONFIG'] = ctx.cluster.kubeconfig;
  const exporter = new LoadBalancingExporter(testContext('loadbalancing'), loadBalancingConfigSchema.parse({
    protocol: { otlp: { tls: { insecure: true } } },
    resolver: { k8s: { service: `sinks.${ctx.ns}`, ports: [4317] } },
  }));
  try {
    await applySlice('sinks-a', 'sinks', [{ addresses: ['198.19.252.2'] }, { addresses: ['198.19.252.1'] }]);
    await exporter.start();
    expect(exporter.endpoints).toEqual(['198.19.252.1:4317', '198.19.252.2:4317']);
    await applySlice('sinks-a', 'sinks', [{ addresses: ['198.19.252.2'] }, { addresses: ['198.19.252.1'] }, { addresses: ['198.19.252.3'] }]);
    await waitFor('third backend', async () => exporter.endpoints.length === 3);
  } finally {
    await exporter.shutdown(Date.now() + 2_000);
    if (previous === undefined) delete process.env['KUBECONFIG'];
    else process.env['KUBECONFIG'] = previous;
  }
}, 60_000);
