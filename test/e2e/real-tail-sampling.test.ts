// Tail sampling on the real node (issue 14): a TelemetryPipeline with the guide's four policies becomes a routing
// tier (2 pods: loadbalancing exporter, k8s resolver reading the sampler Service's EndpointSlices with the pod's
// in-cluster ServiceAccount token) and a sampling tier (2 pods: tail_sampling). The OpenTelemetry JS SDK on the host
// sends 2,000 five-span traces through the routing tier's ClusterIP: every error, slow and VIP trace reaches the
// sink complete, about 10 % of the plain ones do (binomial bounds), no trace arrives in part, no span twice, and
// the samplers together saw each trace once (none was split between them).
import type { Signal } from '../../src/collector/component.ts';
import { decodeRequest } from '../../src/collector/otlp/index.ts';
import { resources } from '../../src/operator/kube/resources.ts';
import { createPipeline, listObjects, pipeline, statusOf, waitFor, getObject } from '../integration/operator-helpers.ts';
import { guideTraceKinds, sendGuideTraces, SPANS_PER_TRACE, type TraceKind } from '../support/guide-traces.ts';
import { itemsOf } from '../support/otlp-items.ts';
import { describeOnRealNode, fleetClusterIpTarget, podLogs, tracesToSink, useRealFleetEnv } from '../support/real-node.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';

const describeReal = await describeOnRealNode();

const NAME = 'tail';
const TRACES = 2000;
const SPECIAL = { error: 100, slow: 100, vip: 100 };
const PLAIN = TRACES - SPECIAL.error - SPECIAL.slow - SPECIAL.vip;
const DECISION_WAIT_S = 5;
const HELD_TRACES = 1600;
const HELD_NUM_TRACES = 1000;
const POLICIES = [
  { name: 'errors', type: 'statusCode', statusCode: { statusCodes: ['ERROR'] } },
  { name: 'slow', type: 'latency', latency: { thresholdMs: 1000 } },
  { name: 'vip', type: 'stringAttribute', stringAttribute: { key: 'customer.tier', values: ['vip'] } },
  { name: 'ten-percent', type: 'probabilistic', probabilistic: { samplingPercentage: 10 } },
];

const ENDPOINT_SLICES = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true };
type Slice = KubeObject & { endpoints?: { conditions?: { ready?: boolean } }[] };
/** Time for kube-proxy to program an endpoint change (minSyncPeriod 0 s on this node), with margin. */
const KUBE_PROXY_SYNC_MS = 3000;

type Pod = KubeObject & { status?: { podIP?: string; conditions?: { type: string; status: string }[] } };

/** Sum of a metric's series in Prometheus text. */
function metricSum(text: string, name: string): number {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describeReal('tail sampling with the guide\'s four policies on the real node', () => {
  const env = useRealFleetEnv('e2e-tail');

  /** Spans at the sink by trace number, and how often each span id arrived. */
  function arrived(): { traces: Map<number, Set<string>>; spanCounts: Map<string, number>; kinds: Map<number, TraceKind> } {
    const traces: Signal = 'traces';
    const requests = env.sink.requests.filter((r) => r.signal === traces).map((r) => decodeRequest(traces, r.body));
    const byTrace = new Map<number, Set<string>>();
    const spanCounts = new Map<string, number>();
    const kinds = new Map<number, TraceKind>();
    for (const item of itemsOf(traces, requests)) {
      const t = Number(item.attributes['test.trace']);
      const id = String(item.attributes['test.id']);
      kinds.set(t, item.attributes['test.kind'] as TraceKind);
      spanCounts.set(id, (spanCounts.get(id) ?? 0) + 1);
      byTrace.set(t, (byTrace.get(t) ?? new Set()).add(id));
    }
    return { traces: byTrace, spanCounts, kinds };
  }

  test('2 routing + 2 sampler pods; errors, slow and VIP traces kept whole, about 10 % of the rest, none in part', async () => {
    const started = Date.now();
    await createPipeline(env.client, pipeline(env.ns, NAME, tracesToSink(env.sink, {
      replicas: 2,
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      processors: { batch: { profile: 'lowLatency' }, tailSampling: { decisionWait: `${DECISION_WAIT_S}s`, numTraces: 20_000, policies: POLICIES, sampler: { replicas: 2 } } },
    })));
    const ready = await waitFor('2 routing and 2 sampler pods ready', async () => {
      const p = await getObject(env.client, resources.pipeline, env.ns, NAME);
      const s = statusOf(p) as { readyReplicas?: number; sampler?: { readyReplicas?: number } };
      return s.readyReplicas === 2 && s.sampler?.readyReplicas === 2 ? s : undefined;
    }, 240_000, 1000);
    const target = await fleetClusterIpTarget(env.client, env.ns, NAME);
    // kube-proxy balances new connections over the endpoints it has programmed: wait until the routing Service's
    // slice lists both pods, and a kube-proxy sync after, so the client's connections can land on either.
    await waitFor('both routing pods in the Service\'s EndpointSlice', async () => {
      const slices = await listObjects<Slice>(env.client, ENDPOINT_SLICES, env.ns, `kubernetes.io/service-name=${NAME}-collector`);
      return slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length === 2;
    }, 60_000, 500);
    await new Promise((r) => setTimeout(r, KUBE_PROXY_SYNC_MS));
    const readyAfterS = (Date.now() - started) / 1000;

    // The routing pods' resolvers must have found both samplers before load starts (a ring of one would be valid too,
    // but the split check below is only meaningful with both).
    const routingPods = await listObjects<Pod>(env.client, resources.pod, env.ns, `fleet.telemetry.dev/pipeline=${NAME}`);
    const samplerPods = await listObjects<Pod>(env.client, resources.pod, env.ns, `fleet.telemetry.dev/sampler-of=${NAME}`);
    expect(samplerPods).toHaveLength(2);
    await waitFor('every routing pod resolved both samplers', async () => {
      for (const pod of routingPods.filter((p) => p.status?.podIP)) {
        const text = await fetch(`http://${pod.status!.podIP}:8888/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());
        if (metricSum(text, 'otelcol_loadbalancer_num_backends') !== 2) return undefined;
      }
      return true;
    }, 60_000, 1000);

    const kinds = guideTraceKinds(TRACES, SPECIAL);
    const t0 = Date.now();
    await sendGuideTraces(target, kinds);
    const sentMs = Date.now() - t0;

    // Decisions come decisionWait after a trace's first span; then batches (lowLatency, 1 s) reach the sink.
    const expectedSpecial = (SPECIAL.error + SPECIAL.slow + SPECIAL.vip) * SPANS_PER_TRACE;
    let last = -1;
    await waitFor('the sink to settle', async () => {
      const n = arrived().spanCounts.size;
      const settled = n === last && n >= expectedSpecial;
      last = n;
      return settled;
    }, 90_000, 3000);
    const { traces, spanCounts, kinds: arrivedKinds } = arrived();

    const partial = [...traces].filter(([, spans]) => spans.size !== SPANS_PER_TRACE).map(([t]) => t);
    const duplicated = [...spanCounts].filter(([, n]) => n !== 1).map(([id]) => id);
    expect(partial).toEqual([]);
    expect(duplicated).toEqual([]);
    for (const [t, kind] of arrivedKinds) expect(kind).toBe(kinds[t]);
    const keptOf = (kind: TraceKind) => kinds.filter((k, t) => k === kind && traces.has(t)).length;
    expect({ error: keptOf('error'), slow: keptOf('slow'), vip: keptOf('vip') }).toEqual(SPECIAL);
    // 10 % of 1,700 plain traces by trace-id hash: binomial mean 170, sd 12.4; 5 sd either side.
    const plainKept = keptOf('plain');
    const sd = Math.sqrt(PLAIN * 0.1 * 0.9);
    expect(plainKept).toBeGreaterThanOrEqual(Math.floor(PLAIN * 0.1 - 5 * sd));
    expect(plainKept).toBeLessThanOrEqual(Math.ceil(PLAIN * 0.1 + 5 * sd));

    // Each trace reached exactly one sampler: the samplers' new-trace counts add up to the traces sent.
    const perSampler: number[] = [];
    const decided: number[] = [];
    for (const pod of samplerPods) {
      const text = await fetch(`http://${pod.status!.podIP}:8888/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());
      perSampler.push(metricSum(text, 'otelcol_processor_tail_sampling_new_trace_id_received'));
      decided.push(metricSum(text, 'otelcol_processor_tail_sampling_global_count_traces_sampled'));
    }
    expect(perSampler.reduce((a, b) => a + b, 0)).toBe(TRACES);
    expect(perSampler.every((n) => n > 0)).toBe(true);
    expect(decided.reduce((a, b) => a + b, 0)).toBe(TRACES);
    const routed: number[] = [];
    for (const pod of routingPods) {
      const text = await fetch(`http://${pod.status!.podIP}:8888/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text());
      routed.push(metricSum(text, 'otelcol_receiver_accepted_spans'));
    }
    expect(routed.reduce((a, b) => a + b, 0)).toBe(TRACES * SPANS_PER_TRACE);
    const logs = await podLogs(env.node.kubeconfig, env.ns, routingPods[0]!.metadata.name!);
    expect(logs).not.toMatch(/forbidden/i);

    console.log(
      `tail sampling on the real node: fleet Ready (2+2 pods) ${readyAfterS.toFixed(1)} s after create; ${TRACES} traces ` +
        `(${TRACES * SPANS_PER_TRACE} spans) sent in ${sentMs} ms; kept ${traces.size} traces: errors ${keptOf('error')}/${SPECIAL.error}, ` +
        `slow ${keptOf('slow')}/${SPECIAL.slow}, vip ${keptOf('vip')}/${SPECIAL.vip}, plain ${plainKept}/${PLAIN} ` +
        `(${((100 * plainKept) / PLAIN).toFixed(1)} %); partial 0, duplicated 0; new traces per sampler ${perSampler.join(' + ')}; ` +
        `spans accepted per routing pod ${routed.join(' + ')}; status replicas ${ready.readyReplicas}, sampler ${JSON.stringify(ready.sampler)}`,
    );
  }, 420_000);

  test('the sampling tier scales on the traces its samplers hold: 2 -> 3 while full, back to 2 after their decisions', async () => {
    const name = 'held';
    // numTraces 1,000 and a 20 s decision wait: 1,600 traces held by two samplers (about 800 each, 700 is the 70 %
    // target) ask for 3 (1,600 / 700 = 2.3); none is evicted early, and the policy keeps every trace.
    await createPipeline(env.client, pipeline(env.ns, name, tracesToSink(env.sink, {
      replicas: 1,
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      scaling: { enabled: true, minReplicas: 1, maxReplicas: 1, evaluationPeriodSeconds: 2, scaleDownStabilizationSeconds: 10 },
      processors: {
        batch: { profile: 'lowLatency' },
        tailSampling: { decisionWait: '20s', numTraces: HELD_NUM_TRACES, policies: [{ name: 'all', type: 'probabilistic', probabilistic: { samplingPercentage: 100 } }], sampler: { minReplicas: 2, maxReplicas: 4 } },
      },
    })));
    const samplersReady = (n: number) => async () => {
      const p = await getObject<KubeObject & { spec: { processors: { tailSampling: { sampler: { replicas: number } } } } }>(env.client, resources.pipeline, env.ns, name);
      const s = statusOf(p) as { readyReplicas?: number; sampler?: { readyReplicas?: number; replicas?: number } };
      return p?.spec.processors.tailSampling.sampler.replicas === n && s.sampler?.readyReplicas === n && s.sampler.replicas === n && s.readyReplicas === 1;
    };
    await waitFor('1 routing and 2 sampler pods ready', samplersReady(2), 240_000, 1000);
    const target = await fleetClusterIpTarget(env.client, env.ns, name);
    const before = env.sink.requests.length;
    const t0 = Date.now();
    await sendGuideTraces(target, guideTraceKinds(HELD_TRACES, { error: 0, slow: 0, vip: 0 }));
    await waitFor('3 samplers ready', samplersReady(3), 90_000, 500);
    const upS = (Date.now() - t0) / 1000;
    try {
      await waitFor('back to 2 samplers', samplersReady(2), 120_000, 1000);
    } catch (err) {
      const events = await listObjects<KubeObject & { reason?: string; note?: string }>(env.client, resources.event, env.ns);
      const pods = await listObjects<Pod>(env.client, resources.pod, env.ns, `fleet.telemetry.dev/sampler-of=${name}`);
      const loads = await Promise.all(pods.map(async (p) => {
        const text = await fetch(`http://${p.status!.podIP}:8888/metrics`, { signal: AbortSignal.timeout(5000) }).then((r) => r.text(), (e: Error) => e.message);
        return `${p.metadata.name}: traces ${metricSum(text, 'otelcol_processor_tail_sampling_sampling_traces_on_memory')}, heap ${metricSum(text, 'otelcol_process_runtime_heap_alloc_bytes')}`;
      }));
      throw new Error(`${(err as Error).message}; events: ${events.map((e) => `${e.reason}: ${e.note}`).join(' | ')}; samplers: ${loads.join('; ')}`);
    }
    const downS = (Date.now() - t0) / 1000;
    const events = await listObjects<KubeObject & { reason?: string; note?: string; regarding?: { name?: string } }>(env.client, resources.event, env.ns);
    const notes = events.filter((e) => e.reason === 'Scaled' && e.regarding?.name === name && e.note?.startsWith('sampling tier')).map((e) => e.note);
    expect(notes.length).toBeGreaterThanOrEqual(2);
    const traces: Signal = 'traces';
    const ids = itemsOf(traces, env.sink.requests.slice(before).filter((r) => r.signal === traces).map((r) => decodeRequest(traces, r.body)))
      .map((i) => String(i.attributes['test.id']));
    console.log(
      `sampling tier autoscaled on the real node: 3 samplers ready ${upS.toFixed(1)} s after the load started, 2 again after ${downS.toFixed(1)} s; ` +
        `${ids.length} of ${HELD_TRACES * SPANS_PER_TRACE} spans at the sink, ${new Set(ids).size} distinct; events: ${notes.join(' | ')}`,
    );
    // The policy keeps every trace, and the ring changed twice while the samplers held them: every span arrives once.
    expect(ids.length).toBe(HELD_TRACES * SPANS_PER_TRACE);
    expect(new Set(ids).size).toBe(HELD_TRACES * SPANS_PER_TRACE);
  }, 420_000);
});
