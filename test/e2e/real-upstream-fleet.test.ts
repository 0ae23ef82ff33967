// A fleet on the upstream OpenTelemetry Collector (issue 9): a TelemetryPipeline whose spec.image is the image of the
// collector builder's binary (test/cluster/image/upstream.ts) runs upstream collector containers on the real node
// with the rendered ConfigMap unchanged (memory_limiter, batch, the otlp exporter, health_check behind the probes,
// self-metrics on ${env:POD_IP}:8888). The operator, a pod from the chart, scales that fleet up and down from the
// upstream collector's own metrics, with load from the official OpenTelemetry JS exporter through the Service's
// ClusterIP, and every acknowledged span reaches the sink on the node IP exactly once.
import { parse } from 'yaml';
import { scrapePods } from '../../src/operator/autoscale/scrape.ts';
import { objectPath, resources } from '../../src/operator/kube/resources.ts';
import { CONFIG_FILE, CONFIG_PATH, HEALTH_PORT, METRICS_PORT } from '../../src/operator/render/defaults.ts';
import { fleetName } from '../../src/operator/render/labels.ts';
import { OTELCOL_BINARY_NAME, OTELCOL_VERSION } from '../../bench/collector/otelcol-pins.ts';
import { REAL_NODE_NAME } from '../cluster/addresses.ts';
import { createPipeline, pipeline, waitFor } from '../integration/operator-helpers.ts';
import { FleetPods } from '../support/fleet-pods.ts';
import { describeOnRealNode, podLogs, useRealFleetEnv } from '../support/real-node.ts';
import { cycleFleetSpec, expectCycle, LEVEL4_AT, PERIOD_S, ScaleCycle, STABILIZATION_S } from '../support/scale-cycle.ts';

const describeReal = await describeOnRealNode();

const NAME = 'upstream';
/** Decision (<= 1 period) + reconcile + pod start on a loaded machine + readiness probe (period 5 s). */
const SCALE_UP_SLACK_S = 2 * PERIOD_S + 15;
const VERSION = OTELCOL_VERSION.replaceAll('.', '\\.');

type PodObject = {
  spec: { containers: { image: string; command?: string[]; args?: string[]; env?: { name: string }[] }[] };
  status: { containerStatuses?: { image: string }[] };
};

/** The Prometheus text of each collector's self-metrics endpoint. */
function expositions(ips: readonly string[]): Promise<string[]> {
  return Promise.all(ips.map((ip) => fetch(`http://${ip}:${METRICS_PORT}/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text())));
}

describeReal('a fleet on the upstream collector image', () => {
  const env = useRealFleetEnv('e2e-upstream');
  let pods: FleetPods | undefined;
  beforeAll(() => {
    env.cleanup.push(() => pods?.stop());
  });

  test('spec.image runs the upstream collector binary on the real node with the rendered ConfigMap', async () => {
    const image = env.node.images.upstream;
    await createPipeline(env.client, pipeline(env.ns, NAME, cycleFleetSpec(env, { image })));
    pods = await new FleetPods(env.client, env.ns, NAME).start();
    // Readiness is the upstream health_check extension answering the kubelet's probe on POD_IP:13133.
    await waitFor('one upstream collector Ready', async () => pods!.readyIps().length === 1, 180_000, 500);
    const [view] = pods.pods.filter((p) => p.ready);
    expect(view!.node).toBe(REAL_NODE_NAME);
    expect(view!.ip).toMatch(/^198\.19\./);

    // The container is the upstream image with its own entrypoint, given only the rendered config.
    const pod = await env.client.request<PodObject>('GET', objectPath(resources.pod, env.ns, view!.name));
    const [container] = pod.spec.containers;
    expect(container).toMatchObject({ image, args: [`--config=${CONFIG_PATH}`] });
    expect(container!.command).toBeUndefined();
    expect(container!.env?.map((e) => e.name)).not.toContain('NODE_OPTIONS');
    expect(pod.status.containerStatuses?.[0]?.image).toContain(image.slice(image.indexOf('/') + 1));

    // The ConfigMap it runs is the rendered one: memory_limiter and batch first, the otlp exporter, telemetry on POD_IP.
    const configMap = await env.client.request<{ data: Record<string, string> }>('GET', objectPath(resources.configMap, env.ns, fleetName(NAME)));
    const config = parse(configMap.data[CONFIG_FILE]!) as Record<string, any>;
    expect(config.service.pipelines.traces).toEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'batch'], exporters: ['otlp/sink'] });
    expect(config.processors.memory_limiter).toEqual({ check_interval: '1s', limit_mib: 384, spike_limit_mib: 96 });
    expect(config.service.telemetry.metrics.readers[0].pull.exporter.prometheus).toEqual({ host: '${env:POD_IP}', port: METRICS_PORT });
    expect(config.service.extensions).toEqual(['health_check']);

    // What runs is /otelcol-tpo (the build's name and version in its own log lines), and it took that config.
    const logs = await podLogs(env.node.kubeconfig, env.ns, view!.name);
    expect(logs).toContain(`Starting ${OTELCOL_BINARY_NAME}...`);
    expect(logs).toMatch(new RegExp(`"Version": "${VERSION}"`));
    expect(logs).toContain('Everything is ready. Begin running and processing data.');
    expect(logs).toMatch(/Memory limiter configured.*"limit_mib": 384, "spike_limit_mib": 96/);
    expect(logs).toContain('Starting health_check extension');
    expect(logs).toContain(`"endpoint": "${view!.ip}:4317"`);
    expect(logs).not.toMatch(/\t(error|fatal|panic)\t/);
    const health = await fetch(`http://${view!.ip}:${HEALTH_PORT}/`, { signal: AbortSignal.timeout(5000) });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'Server available' });
    const [metrics] = await expositions([view!.ip!]);
    expect(metrics).toMatch(new RegExp(`^target_info\\{.*service_name="${OTELCOL_BINARY_NAME}",service_version="${VERSION}"`, 'm'));
  }, 240_000);

  test('load through the ClusterIP scales the upstream fleet up and down from its own metrics; every acknowledged span arrives once', async () => {
    const cycle = await ScaleCycle.start(env, NAME, pods!);

    // At 4 replicas the operator's own scraper reads the upstream exposition (names with or without _total). A
    // collector exports a counter only once it has counted something: the pod just started may not have it yet.
    await waitFor('4 replicas Ready', async () => pods!.readyIps().length >= 4, (LEVEL4_AT + SCALE_UP_SLACK_S + 30) * 1000, 500);
    const ips = pods!.readyIps();
    const texts = await expositions(ips);
    const acceptedNames = [...new Set(texts.flatMap((text) => [...text.matchAll(/^(otelcol_receiver_accepted_spans(?:_total)?)\{/gm)].map((m) => m[1])))];
    const scraped = await scrapePods(ips.map((ip) => ({ pod: ip, ip })));
    const acceptedSpans = scraped.reduce((sum, s) => sum + (s.result.ok ? s.result.snapshot.accepted.spans : 0), 0);
    console.log(JSON.stringify({ scrape: { pods: ips.length, acceptedNames, acceptedSpans, errors: scraped.flatMap((s) => (s.result.ok ? [] : [s.result.error])) } }));

    const outcome = await cycle.finish((STABILIZATION_S + 6 * PERIOD_S + 90) * 1000);
    expect(acceptedNames.length).toBeGreaterThan(0);
    expect(scraped.map((s) => s.result.ok)).toEqual(ips.map(() => true));
    expect(acceptedSpans).toBeGreaterThan(0);
    expectCycle(outcome, SCALE_UP_SLACK_S);
  }, 10 * 60_000);
});
