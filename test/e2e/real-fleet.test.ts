// A collector fleet on the real node (issue 9): the operator installed from the chart with the locally built image
// runs as a pod (in-cluster config, leader election, probes); a TelemetryPipeline becomes collector containers
// whose memory limit and POD_IP come from the kubelet; load from the official OpenTelemetry JS exporter on the
// host through the Service's ClusterIP (kube-proxy) scales the fleet up and back down, and every acknowledged span
// reaches the sink on the node IP exactly once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { objectPath, resources } from '../../src/operator/kube/resources.ts';
import { REAL_NODE_NAME } from '../cluster/addresses.ts';
import { createPipeline, pipeline, waitFor } from '../integration/operator-helpers.ts';
import { FleetPods } from '../support/fleet-pods.ts';
import { kubectl, REPO } from '../support/helm-kubectl.ts';
import { describeOnRealNode, podLogs, useRealFleetEnv } from '../support/real-node.ts';
import { cycleFleetSpec, expectCycle, PERIOD_S, ScaleCycle, STABILIZATION_S } from '../support/scale-cycle.ts';

const describeReal = await describeOnRealNode();

const NAME = 'fleet';
/** Decision (<= 1 period) + reconcile + pod start on the real node + readiness probe (period 5 s). */
const SCALE_UP_SLACK_S = 2 * PERIOD_S + 12;

describeReal('a collector fleet on the real node', () => {
  const env = useRealFleetEnv('e2e-real');
  let pods: FleetPods | undefined;
  beforeAll(() => {
    env.cleanup.push(() => pods?.stop());
  });

  test('the operator runs as a pod on the real node, holds the Lease and is Ready', async () => {
    const deployment = await env.client.request<{ status?: { readyReplicas?: number } }>('GET', objectPath(resources.deployment, env.ns, env.operator.deployment));
    expect(deployment.status?.readyReplicas).toBe(1);
    const lease = await env.client.request<{ spec?: { holderIdentity?: string } }>('GET', objectPath(resources.lease, env.ns, 'telemetry-pipeline-operator'));
    expect(lease.spec?.holderIdentity).toMatch(new RegExp(`^${env.operator.deployment}-`));
  });

  test('a TelemetryPipeline becomes collector containers; memory limit and POD_IP come from the kubelet', async () => {
    await createPipeline(env.client, pipeline(env.ns, NAME, cycleFleetSpec(env)));
    pods = await new FleetPods(env.client, env.ns, NAME).start();
    await waitFor('one collector Ready', async () => pods!.readyIps().length === 1, 120_000, 500);
    const [pod] = pods.pods.filter((p) => p.ready);
    expect(pod!.node).toBe(REAL_NODE_NAME);
    expect(pod!.ip).toMatch(/^198\.19\./);
    expect(pod!.containerId).toMatch(/^containerd:\/\//);

    // The container's cgroup says 512 MiB, which the collector reads; limit_mib is 75 % of it (rendered).
    const logs = await podLogs(env.node.kubeconfig, env.ns, pod!.name);
    const configured = logs.split('\n').filter((l) => l.includes('Memory limiter configured')).map((l) => JSON.parse(l) as Record<string, number>)[0];
    expect(configured).toMatchObject({ limit_mib: 384, total_memory_mib: 512 });
    // Every listener is bound to POD_IP from the downward API: its self-metrics answer there, from the host.
    const metrics = await fetch(`http://${pod!.ip}:8888/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());
    expect(metrics).toContain('otelcol_process_uptime');
  }, 180_000);

  test('the image runs as non-root on a read-only root filesystem, and `tpo collector validate` / `tpo render` work in it', async () => {
    const [pod] = pods!.pods.filter((p) => p.ready);
    const exec = (args: string[], input?: string) => kubectl(env.node.kubeconfig, ['exec', ...(input === undefined ? [] : ['-i']), '-n', env.ns, pod!.name, '--', ...args], input);
    expect((await exec(['id', '-u'])).stdout.trim()).toBe('10001');
    const write = await exec(['touch', '/app/x']);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('Read-only file system');
    const validate = await exec(['tpo', 'collector', 'validate', '--config', '/etc/otelcol/config.yaml']);
    expect(validate.code).toBe(0);
    const sample = readFileSync(join(REPO, 'manifests/samples/demo.yaml'), 'utf8');
    const rendered = await exec(['tpo', 'render', '-f', '/dev/stdin'], sample);
    expect(rendered.code).toBe(0);
    expect(rendered.stdout).toContain('kind: Deployment');
  }, 60_000);

  test('load through the ClusterIP scales the fleet up and down; every acknowledged span arrives once', async () => {
    const cycle = await ScaleCycle.start(env, NAME, pods!);
    expectCycle(await cycle.finish((STABILIZATION_S + 6 * PERIOD_S + 60) * 1000), SCALE_UP_SLACK_S);
  }, 8 * 60_000);
});
