// The sampling tier going 2 -> 4 -> 2 under steady load (test/support/sampler-scaling.ts), once with trace pins (this
// collector's default) and once without (upstream's routing: every span where the current ring says). Prints and
// writes bench/results/loadbalancing-scaling.json: traces whose spans reached more than one sampler, spans lost.
// The upstream contrib build can't stand in for the routing collector: the builder cannot include the loadbalancing
// exporter (the Go module proxy refuses one of its modules with 403), so "pins off" is our exporter routing as
// upstream's does. Needs the local control plane (started on demand, as the integration tests do).
import { machine, positiveIntEnv, round, writeResult } from '../operator/common.ts';
import { DEFAULT_PLAN, runSamplerScaling, type ScalingOutcome } from '../../test/support/sampler-scaling.ts';
import { dropSliceNamespace, sliceNamespace } from '../../test/support/slice-namespace.ts';

const rounds = positiveIntEnv('BENCH_ROUNDS', 1);

function summary(outcome: ScalingOutcome) {
  return { ...outcome, splitShare: round(outcome.splitTraces / outcome.traces, 4) };
}

const runs: ReturnType<typeof summary>[] = [];
for (let r = 0; r < rounds; r++) {
  for (const pinning of [true, false]) {
    const ctx = await sliceNamespace('bench-lb-scale');
    try {
      const outcome = await runSamplerScaling({ client: ctx.client, kubeconfig: ctx.kubeconfig, namespace: ctx.ns, pinning, log: (m) => console.error(`[pins ${pinning ? 'on' : 'off'}] ${m}`) });
      runs.push(summary(outcome));
      console.error(`[pins ${pinning ? 'on' : 'off'}] split ${outcome.splitTraces}/${outcome.traces}, lost ${outcome.lostSpans}`);
    } finally {
      await dropSliceNamespace(ctx);
    }
  }
}

writeResult('loadbalancing-scaling', {
  when: new Date().toISOString(),
  machine: machine(),
  plan: DEFAULT_PLAN,
  scenario: 'one routing tpo collector (loadbalancing, k8s resolver, real API server), samplers (tail_sampling, always_sample) 2 -> 4 -> 2, OTel JS SDK load, one sink per sampler',
  upstream: 'not run: the pinned contrib build cannot include the loadbalancing exporter (Go module proxy: 403 on a dependency); pins off = upstream routing in our exporter',
  runs,
});
process.exit(0);
