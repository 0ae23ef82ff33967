// The sampling tier going 2 -> 4 -> 2 under steady load (test/support/sampler-scaling.ts), with trace pins (this
// collector's default) and without (upstream's routing: every span where the current ring says), the samplers
// running this collector and the upstream build (BENCH_SAMPLERS, both by default), keeping every trace or deciding
// by the guide's four policies (BENCH_POLICIES, both by default). Prints and writes
// bench/results/loadbalancing-scaling.json: traces whose spans reached more than one sampler, traces kept in part,
// spans lost. The upstream build can't be the routing collector: the builder cannot include the loadbalancing
// exporter (the Go module proxy refuses one of its modules with 403), so "pins off" is our exporter routing as
// upstream's does. Needs the local control plane (started on demand, as the integration tests do).
import { machine, positiveIntEnv, round, writeResult } from '../operator/common.ts';
import { DEFAULT_PLAN, runSamplerScaling, type SamplerBuild, type SamplerPolicies, type ScalingOutcome } from '../../test/support/sampler-scaling.ts';
import { dropSliceNamespace, sliceNamespace } from '../../test/support/slice-namespace.ts';

const rounds = positiveIntEnv('BENCH_ROUNDS', 1);
const builds = (process.env['BENCH_SAMPLERS'] ?? 'ours,upstream').split(',').filter((b): b is SamplerBuild => b === 'ours' || b === 'upstream');
const policySets = (process.env['BENCH_POLICIES'] ?? 'keep-all,guide').split(',').filter((p): p is SamplerPolicies => p === 'keep-all' || p === 'guide');

function summary(outcome: ScalingOutcome) {
  return { ...outcome, splitShare: round(outcome.splitTraces / outcome.traces, 4) };
}

const runs: ReturnType<typeof summary>[] = [];
const cases = builds.flatMap((samplers) => policySets.flatMap((policies) => [true, false].map((pinning) => ({ samplers, policies, pinning }))));
for (let r = 0; r < rounds; r++) {
  for (const { samplers, policies, pinning } of cases) {
    const label = `[${samplers} samplers, ${policies}, pins ${pinning ? 'on' : 'off'}]`;
    const ctx = await sliceNamespace('bench-lb-scale');
    try {
      const outcome = await runSamplerScaling({ client: ctx.client, kubeconfig: ctx.kubeconfig, namespace: ctx.ns, pinning, samplers, policies, log: (m) => console.error(`${label} ${m}`) });
      runs.push(summary(outcome));
      console.error(`${label} split ${outcome.splitTraces}/${outcome.traces}, kept in part ${outcome.partialTraces}, lost ${outcome.lostSpans}`);
    } finally {
      await dropSliceNamespace(ctx);
    }
  }
}

writeResult('loadbalancing-scaling', {
  when: new Date().toISOString(),
  machine: machine(),
  plan: DEFAULT_PLAN,
  scenario: 'one routing tpo collector (loadbalancing, k8s resolver, real API server), samplers (tail_sampling, always_sample or the four policies of the guide; ours or the upstream build) 2 -> 4 -> 2, OTel JS SDK load, one sink per sampler',
  upstream: 'the upstream build runs as samplers only: it cannot include the loadbalancing exporter (Go module proxy: 403 on a dependency); pins off = upstream routing in our exporter',
  runs,
});
process.exit(0);
