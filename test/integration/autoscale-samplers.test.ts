// The sampling tier scales on what its samplers hold, on the real control plane with the operator in this process.
// KWOK's pods run no process, so each Running sampler pod gets a stand-in metrics endpoint on its loopback IP,
// port 8888, reporting otelcol_processor_tail_sampling_sampling_traces_on_memory as the test sets it.
import { createServer, type Server } from 'node:http';
import { resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import type { OperatorHandle } from '../../src/operator/main.ts';
import { createPipeline, getObject, inProcessOperator, listObjects, pipeline, useTestNamespace, waitFor } from './operator-helpers.ts';

type Pod = KubeObject & { status?: { phase?: string; podIP?: string } };
type Deployment = KubeObject & { spec: { replicas: number } };
type Spec = { spec: { processors: { tailSampling: { sampler: { replicas: number } } } } };

const NUM_TRACES = 1000;

/** One metrics server per Running sampler pod, each reporting `tracesPerPod` traces held. */
class SamplerStandIns {
  tracesPerPod = 0;
  readonly #servers = new Map<string, Server>();
  #timer: NodeJS.Timeout | undefined;

  start(pods: () => Promise<Pod[]>): void {
    const step = async () => {
      const ips = new Set((await pods().catch(() => [])).filter((p) => p.status?.phase === 'Running' && p.status.podIP).map((p) => p.status!.podIP!));
      for (const ip of ips) {
        if (this.#servers.has(ip)) continue;
        const server = createServer((_req, res) => {
          res.writeHead(200, { 'content-type': 'text/plain' }).end(
            `# TYPE otelcol_processor_tail_sampling_sampling_traces_on_memory gauge\notelcol_processor_tail_sampling_sampling_traces_on_memory ${this.tracesPerPod}\n` +
              `# TYPE otelcol_process_runtime_heap_alloc_bytes gauge\notelcol_process_runtime_heap_alloc_bytes 1e7\n`,
          );
        });
        this.#servers.set(ip, server);
        await new Promise<void>((resolve) => server.once('error', () => resolve()).listen(8888, ip, resolve));
      }
      this.#timer = setTimeout(() => void step(), 200);
    };
    void step();
  }

  stop(): void {
    clearTimeout(this.#timer);
    for (const server of this.#servers.values()) server.close();
  }
}

let operator: OperatorHandle;
const ctx = useTestNamespace('op-samplers');
const standIns = new SamplerStandIns();

beforeAll(async () => {
  operator = await inProcessOperator(ctx.cluster.kubeconfig, ctx.ns);
  await operator.synced;
  ctx.cleanup.push(async () => standIns.stop(), () => operator.stop());
});

test('sampler.replicas follows the traces held: up at once, back to minReplicas after the stabilization window', async () => {
  const { client } = ctx.cluster;
  await createPipeline(client, pipeline(ctx.ns, 'held', {
    scaling: { enabled: true, minReplicas: 1, maxReplicas: 3, evaluationPeriodSeconds: 1, scaleDownStabilizationSeconds: 3, targetUtilization: 0.5 },
    processors: { tailSampling: { numTraces: NUM_TRACES, policies: [{ name: 'all', type: 'probabilistic', probabilistic: { samplingPercentage: 100 } }], sampler: { minReplicas: 2, maxReplicas: 5 } } },
  }));
  standIns.start(() => listObjects<Pod>(client, resources.pod, ctx.ns, 'fleet.telemetry.dev/sampler-of=held'));
  const samplerReplicas = async () => (await getObject<Deployment>(client, resources.deployment, ctx.ns, 'held-sampler'))?.spec.replicas;
  const specReplicas = async () => (await getObject<KubeObject & Spec>(client, resources.pipeline, ctx.ns, 'held'))!.spec.processors.tailSampling.sampler.replicas;
  await waitFor('two samplers', async () => (await samplerReplicas()) === 2, 60_000, 250);

  // 2 x 900 traces held / (1000 x 0.5) = 3.6: 4 samplers.
  standIns.tracesPerPod = 900;
  await waitFor('four samplers in the spec and the Deployment', async () => (await specReplicas()) === 4 && (await samplerReplicas()) === 4, 60_000, 250);
  const events = await listObjects<KubeObject & { reason?: string; note?: string }>(client, resources.event, ctx.ns);
  expect(events.filter((e) => e.reason === 'Scaled').map((e) => e.note)).toContainEqual(expect.stringMatching(/^sampling tier: 1,800 traces held \(90 % of num_traces per sampler\) at a 50 % target asks for 4 samplers: 2 -> 4/));

  standIns.tracesPerPod = 0;
  await waitFor('back to two samplers', async () => (await specReplicas()) === 2 && (await samplerReplicas()) === 2, 60_000, 250);
}, 180_000);
