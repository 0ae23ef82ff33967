// Scaling the sampling tier without splitting traces: one routing collector (loadbalancing exporter, k8s resolver
// over EndpointSlices on the real API server) and samplers (tail_sampling) going 2 -> 4 -> 2 while the OpenTelemetry
// JS SDK sends traces whose spans end over three seconds (test/support/sampler-scaling.ts). With trace pins, which
// are on by default, every trace's spans reach one sampler and every acknowledged span reaches a sink once. The
// same scenario with pins off (upstream's routing) is measured by `npm run bench:loadbalancing-scaling`.
import { DEFAULT_PLAN, runSamplerScaling } from '../support/sampler-scaling.ts';
import { useSliceNamespace } from '../support/slice-namespace.ts';

const ctx = useSliceNamespace('lb-scale');

test('2 -> 4 -> 2 samplers under steady load: no trace split, no span lost', async () => {
  // Traces pinned to the leaving samplers until they turned terminating are undecided at SIGTERM for decision wait
  // minus preStop: 1 s in the benchmark's plan (60-80 spans decided at SIGTERM there). A clean-clone CI run saw 0
  // (not explained; a lag of the test process's timers on a busy machine would do it). 3 s here.
  const plan = { ...DEFAULT_PLAN, decisionWaitMs: DEFAULT_PLAN.preStopMs + 3000 };
  const outcome = await runSamplerScaling({ client: ctx.client, kubeconfig: ctx.kubeconfig, namespace: ctx.ns, pinning: true, plan });
  expect(outcome.spansFailedAtClient).toBe(0);
  expect(outcome.spansAcked).toBe(outcome.spansSent);
  expect(outcome).toMatchObject({ splitTraces: 0, keptTraces: outcome.traces, partialTraces: 0, lostSpans: 0, duplicatedSpans: 0, router: { tracePinsMoved: 0, tracePinsEvicted: 0 } });
  // Every sampler took part: the new ones got traces while they were on the ring.
  expect(outcome.spansPerSampler.every((spans) => spans > 0)).toBe(true);
  console.log(`sampler scaling: ${JSON.stringify(outcome)}`);
  // The leaving samplers still held undecided traces at SIGTERM, and decided and exported them before exiting.
  expect(outcome.spansDecidedAtShutdown).toBeGreaterThan(0);
}, 90_000);
