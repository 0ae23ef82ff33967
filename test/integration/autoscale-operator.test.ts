// The autoscaler wired into the operator, on the real control plane. KWOK's pods run no process,
// so each Running collector pod gets a stand-in: a prom-client registry served on the pod's
// loopback IP, port 8888, whose otelcol_receiver_accepted_spans grows with its share of a load the
// test sets. (The full end-to-end test with real `tpo collector` processes is separate.)
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import { CLUSTER_TIMEOUT_MS } from '../cluster/harness.ts';
import { objectPath, resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import type { OperatorHandle } from '../../src/operator/main.ts';
import { fleetName } from '../../src/operator/render/index.ts';
import {
  createNamespace,
  createPipeline,
  deleteNamespace,
  getObject,
  inProcessOperator,
  listObjects,
  pipeline,
  sleep,
  testCluster,
  waitFor,
  type TestCluster,
} from './operator-helpers.ts';

type Pod = KubeObject & { status?: { phase?: string; podIP?: string } };
type Autoscaling = { desiredReplicas?: number; spansPerSecond?: number; reason?: string; lastScaleTime?: string };

let cluster: TestCluster;
let ns: string;
let operator: OperatorHandle;

/** CPU a stand-in reports: an idle baseline plus a cost per span (1 ms), so one core carries 990 spans/s. */
const BASELINE_CORES = 0.01;
const SPAN_CPU_SECONDS = 1e-3;

/**
 * Stand-in collectors: one metrics endpoint per Running pod IP, sharing `load` spans/s evenly, each reporting the CPU
 * time its share would take and an uptime past the learner's warm-up.
 */
class StandIns {
  load = 0;
  readonly #servers = new Map<string, { server: Server; counter: Counter; cpu: Counter }>();
  #timer: NodeJS.Timeout | undefined;
  #last = Date.now();
  /** Bumped by stop(): a step still awaiting the pod list when the loop is stopped must not reschedule itself. */
  #generation = 0;
  lastError: Error | undefined;

  start(pods: () => Promise<Pod[]>): void {
    const generation = this.#generation;
    const step = async () => {
      if (generation !== this.#generation) return;
      try {
        await this.#step(pods, generation);
      } catch (err) {
        // A slow or failed pod list under load must not end the loop: the next step tries again.
        this.lastError = err as Error;
      }
      if (generation === this.#generation) this.#timer = setTimeout(() => void step(), 100);
    };
    void step();
  }

  async #step(pods: () => Promise<Pod[]>, generation: number): Promise<void> {
    const now = Date.now();
    const seconds = (now - this.#last) / 1000;
    this.#last = now;
    const live = this.#servers.size;
    for (const { counter, cpu } of this.#servers.values()) {
      const share = this.load / Math.max(live, 1);
      counter.inc(share * seconds);
      cpu.inc((BASELINE_CORES + SPAN_CPU_SECONDS * share) * seconds);
    }
    const ips = new Set((await pods()).filter((p) => p.status?.phase === 'Running' && p.status.podIP).map((p) => p.status!.podIP!));
    if (generation !== this.#generation) return;
    for (const ip of ips) if (!this.#servers.has(ip)) await this.#serve(ip);
    for (const [ip, { server }] of this.#servers) {
      if (ips.has(ip)) continue;
      this.#servers.delete(ip);
      server.close();
    }
  }

  /** What the stand-ins serve now, for a failure message. */
  describe(): string {
    return `stand-ins on ${[...this.#servers.keys()].join(', ') || 'no pod'} at ${this.load} spans/s${this.lastError ? `; last error: ${this.lastError.message}` : ''}`;
  }

  async #serve(ip: string): Promise<void> {
    const registry = new Registry();
    const counter = new Counter({ name: 'otelcol_receiver_accepted_spans', help: 'h', registers: [registry] });
    const cpu = new Counter({ name: 'otelcol_process_cpu_seconds', help: 'h', registers: [registry] });
    const started = Date.now() - 600_000;
    new Gauge({ name: 'otelcol_process_uptime', help: 'h', registers: [registry], collect() { this.set((Date.now() - started) / 1000); } });
    const server = createServer((_req, res) => void registry.metrics().then((text) => res.writeHead(200).end(text)));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(8888, ip, resolve));
    this.#servers.set(ip, { server, counter, cpu });
  }

  stop(): void {
    this.#generation++;
    clearTimeout(this.#timer);
    for (const { server } of this.#servers.values()) server.close();
    this.#servers.clear();
  }
}

const standIns = new StandIns();

beforeAll(async () => {
  cluster = await testCluster();
  ns = await createNamespace(cluster.client, 'op-autoscale');
  operator = await inProcessOperator(cluster.kubeconfig, ns);
  await operator.synced;
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  standIns.stop();
  await operator?.stop();
  if (ns) await deleteNamespace(cluster.client, ns);
  cluster?.client.close();
});

type Event = KubeObject & { reason?: string; note?: string; type?: string };

const scaleOf = async (name: string) =>
  (await cluster.client.request<{ spec: { replicas: number } }>('GET', objectPath(resources.pipeline, ns, name, 'scale'))).spec.replicas;

/** What `kubectl scale tp NAME --replicas=N` sends: a patch of the scale subresource under kubectl's field manager. */
const kubectlScale = (name: string, replicas: number) =>
  cluster.client.request('PATCH', objectPath(resources.pipeline, ns, name, 'scale'), {
    body: { spec: { replicas } },
    contentType: 'application/merge-patch+json',
    query: { fieldManager: 'kubectl' },
  });

test('the autoscaler writes spec.replicas through /scale: up at once, down after the stabilization window; status is only a record', async () => {
  const { client } = cluster;
  const scaling = {
    minReplicas: 2,
    maxReplicas: 8,
    capacityPerReplica: { spansPerSecond: 100 },
    targetUtilization: 0.7,
    evaluationPeriodSeconds: 1,
    scaleDownStabilizationSeconds: 6,
  };
  await createPipeline(client, pipeline(ns, 'scaled', { scaling, replicas: 2 }));
  const selector = `fleet.telemetry.dev/pipeline=scaled`;
  standIns.start(() => listObjects<Pod>(client, resources.pod, ns, selector));
  const replicas = async () => ((await getObject(client, resources.deployment, ns, fleetName('scaled')))?.spec as { replicas?: number } | undefined)?.replicas;
  const autoscaling = async () => ((await getObject(client, resources.pipeline, ns, 'scaled'))?.status as { autoscaling?: Autoscaling } | undefined)?.autoscaling;

  await waitFor('2 replicas at rest', async () => (await replicas()) === 2);
  // 385 / (100 x 0.7) = 5.5: 6 replicas, with room either side for the stand-ins' rate noise (+8 % seen under load).
  standIns.load = 385;
  await waitFor('6 replicas', async () => (await replicas()) === 6, 30_000);
  expect(await scaleOf('scaled')).toBe(6);
  const up = await autoscaling();
  expect(up?.desiredReplicas).toBe(6);
  expect(up?.reason).toMatch(/^scaled \d -> 6: \d+ spans\/s, capacity 100 x 0.7 per replica/);
  expect(up?.lastScaleTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const events = await listObjects<Event>(client, resources.event, ns);
  expect(events.some((e) => e.reason === 'Scaled' && e.note?.includes('-> 6'))).toBe(true);

  // Status lost (a restore from backup, a migration): the fleet keeps its count, which lives in the spec.
  await client.request('PATCH', objectPath(resources.pipeline, ns, 'scaled', 'status'), {
    body: { status: null },
    contentType: 'application/merge-patch+json',
  });
  await sleep(3_000);
  expect(await replicas()).toBe(6);

  // A leader change while the load drops: the new leader has not seen the old one's recommendations, so it
  // holds the fleet until it has observed a whole 6 s window itself (the HPA would scale down at once).
  await operator.stop();
  standIns.load = 70;
  operator = await inProcessOperator(cluster.kubeconfig, ns);
  const newLeader = Date.now();
  const held = await waitFor('the new leader holds', async () => {
    const reason = (await autoscaling())?.reason;
    return reason?.includes('held: the 6s stabilization window has not been observed in full yet') ? reason : undefined;
  }, 20_000);
  expect(held).toMatch(/^holding 6: /);
  await waitFor('back to 2 replicas', async () => (await replicas()) === 2, 40_000);
  expect(Date.now() - newLeader).toBeGreaterThanOrEqual(6_000);
  expect(await scaleOf('scaled')).toBe(2);
  expect((await autoscaling())?.spansPerSecond).toBeGreaterThan(0);

  // A manual kubectl scale while scaling is enabled runs until the next evaluation, which overrides it and says so.
  await kubectlScale('scaled', 5);
  await waitFor('overridden back to 2', async () => (await scaleOf('scaled')) === 2, 30_000);
  const overridden = await waitFor('ScaleOverridden event', async () =>
    (await listObjects<Event>(client, resources.event, ns)).find((e) => e.reason === 'ScaleOverridden'),
  );
  expect(overridden.type).toBe('Warning');
  // The new pods are not measured yet and count as loaded at target for a scale-down, so the first step may stop above 2.
  expect(overridden.note).toMatch(
    /^spec.replicas 5 \(last set by kubectl through the scale subresource\) overridden with [234]: scaling.enabled is true, so the autoscaler owns the replica count$/,
  );
  await waitFor('Deployment back to 2', async () => (await replicas()) === 2, 20_000);
}, 180_000);

test('with scaling disabled, kubectl scale (or an HPA, KEDA) owns the count and the autoscaler stays out', async () => {
  const { client } = cluster;
  await createPipeline(client, pipeline(ns, 'manual', { scaling: { enabled: false }, replicas: 1 }));
  const replicas = async () => ((await getObject(client, resources.deployment, ns, fleetName('manual')))?.spec as { replicas?: number } | undefined)?.replicas;
  await waitFor('1 replica', async () => (await replicas()) === 1);
  await kubectlScale('manual', 4);
  await waitFor('4 replicas', async () => (await replicas()) === 4, 20_000);
  await sleep(3_000);
  expect(await scaleOf('manual')).toBe(4);
  const events = await listObjects<Event>(client, resources.event, ns);
  expect(events.filter((e) => e.metadata.name.startsWith('manual.') && /Scale/.test(e.reason ?? ''))).toEqual([]);
}, 120_000);

test('capacityPerReplica left out: learned from the collectors\' CPU, shown in status and in the events', async () => {
  const { client } = cluster;
  standIns.stop();
  standIns.load = 0;
  const scaling = { minReplicas: 1, maxReplicas: 8, targetUtilization: 0.7, evaluationPeriodSeconds: 1, scaleDownStabilizationSeconds: 60 };
  await createPipeline(client, pipeline(ns, 'learned', { scaling, replicas: 1 }));
  standIns.start(() => listObjects<Pod>(client, resources.pod, ns, 'fleet.telemetry.dev/pipeline=learned'));
  const replicas = async () => ((await getObject(client, resources.deployment, ns, fleetName('learned')))?.spec as { replicas?: number } | undefined)?.replicas;
  await waitFor('1 replica', async () => (await replicas()) === 1);
  // 1,700 spans/s take 1.7 cores; a replica may use 1 x 0.7 - 0.01 = 0.69 of its core: 2.5, so 3 replicas, with
  // room for the stand-ins' rate noise (100 ms steps under a loaded run measured 2,000 as 2,160: 3.1 replicas). The
  // guide's 10,000 spans/s per replica would keep 1.
  standIns.load = 1_700;
  const learnedAutoscaling = async () =>
    ((await getObject(client, resources.pipeline, ns, 'learned'))?.status as { autoscaling?: Autoscaling & { capacity?: Record<string, unknown> } }).autoscaling;
  await waitFor('3 replicas', async () => (await replicas()) === 3, 60_000).catch(async (err: Error) => {
    throw new Error(`${err.message}; autoscaling status ${JSON.stringify(await learnedAutoscaling())}; ${standIns.describe()}`);
  });
  const status = await learnedAutoscaling();
  expect(status?.capacity).toMatchObject({ source: 'Learned', cpu: '1' });
  expect(status?.capacity?.['spansPerSecond']).toBeGreaterThan(950);
  expect(status?.capacity?.['spansPerSecond']).toBeLessThan(1010);
  const events = (await listObjects<KubeObject & { reason?: string; note?: string }>(client, resources.event, ns)).filter((e) => e.metadata.name.startsWith('learned.'));
  expect(events.find((e) => e.reason === 'CapacityLearned')?.note).toMatch(/^capacity learned: (9[5-9]\d|100\d) spans\/s per replica at 1 CPU$/);
  expect(events.find((e) => e.reason === 'Scaled')?.note).toMatch(/^scaled 1 -> 3: .* spans\/s, capacity learned: (9[5-9]\d|100\d) spans\/s per replica at 1 CPU, x 0.7/);
}, 120_000);
