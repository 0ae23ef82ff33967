// The autoscaling cycle a fleet on the real node goes through, whichever collector it runs (this project's or the
// upstream one): load that needs 2, then 4 replicas, then none, from the official OpenTelemetry JS exporter through
// the Service's ClusterIP; the pipeline's scaling fields that make those numbers; the fleet sampled meanwhile; and
// the outcome (replica steps, when each step came, what was acknowledged, what reached the sink once) summarized,
// printed and checked.
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { waitFor } from '../integration/operator-helpers.ts';
import type { FleetPods } from './fleet-pods.ts';
import { FleetSampler, replicaSteps, type FleetSample } from './fleet-sampler.ts';
import { LoadGenerator, type LoadStats } from './load-generator.ts';
import { phaseStarts, type Phase } from './load-schedule.ts';
import { fleetClusterIpTarget, tracesToSink, type RealFleetEnv } from './real-node.ts';
import { checkDelivery, type DeliveryCheck } from './span-ids.ts';

export const PERIOD_S = 5;
export const STABILIZATION_S = 30;
/** Spans/s per replica at 100 %; the target is 70 % of it, 140 spans/s. */
export const CAPACITY = 200;

/** The pipeline's spec.scaling for the cycle. */
export const CYCLE_SCALING = {
  enabled: true, minReplicas: 1, maxReplicas: 6, capacityPerReplica: { spansPerSecond: CAPACITY }, targetUtilization: 0.7,
  evaluationPeriodSeconds: PERIOD_S, scaleDownStabilizationSeconds: STABILIZATION_S,
};

/**
 * The spec of a fleet that runs the cycle on the real node, exporting to the suite's sink: small pods (512Mi, so
 * limit_mib 384), connections re-made every 10 s so load spreads over new replicas. `extra` adds fields (image...).
 */
export function cycleFleetSpec(env: RealFleetEnv, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return tracesToSink(env.sink, {
    receivers: { otlp: { grpc: { maxConnectionAge: '10s' } } },
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    scaling: CYCLE_SCALING,
    ...extra,
  });
}

// 250 spans/s needs 2 replicas (250 / 140 = 1.8); 500 needs 4 (3.6); then nothing, back to minReplicas 1.
export const CYCLE_SCHEDULE: Phase[] = [
  { label: 'ramp to 2', seconds: 4, from: 0, to: 250 },
  { label: 'level 2', seconds: 25, from: 250, noise: 0.05 },
  { label: 'ramp to 4', seconds: 4, from: 250, to: 500 },
  { label: 'level 4', seconds: 35, from: 500, noise: 0.05 },
  { label: 'ramp down', seconds: 4, from: 500, to: 0 },
];
export const [, LEVEL2_AT, , LEVEL4_AT, DOWN_AT] = phaseStarts(CYCLE_SCHEDULE) as [number, number, number, number, number];

export interface CycleOutcome {
  /** [load seconds, replicas] at each change of the Deployment's replicas. */
  steps: [number, number][];
  /** Load seconds when the fleet first had 2 replicas, 4 replicas, and fewer than 4 after the ramp down. */
  upTo2: number | undefined;
  upTo4: number | undefined;
  firstDown: number | undefined;
  maxReplicas: number;
  load: Pick<LoadStats, 'generated' | 'acked' | 'failed' | 'backlogged'>;
  delivery: DeliveryCheck;
  /** [load seconds, spans failed so far] wherever the load generator's failures grew. */
  failures: [number, number][];
  /** The operator's Scaled events, oldest first. */
  scaled: string[];
  peakRate: number;
}

/** Load seconds of the first sample from `from` on whose replicas satisfy `check`. */
function firstAt(samples: readonly FleetSample[], from: number, check: (replicas: number) => boolean): number | undefined {
  return samples.find((s) => s.load !== undefined && s.load.elapsed >= from && check(s.replicas ?? 0))?.load?.elapsed;
}

function failureSteps(samples: readonly FleetSample[]): [number, number][] {
  const steps: [number, number][] = [];
  for (const s of samples) {
    const failed = s.load?.failed ?? 0;
    if (failed > (steps.at(-1)?.[1] ?? 0)) steps.push([Math.round(s.load!.elapsed * 10) / 10, failed]);
  }
  return steps;
}

async function scaledNotes(env: RealFleetEnv): Promise<string[]> {
  type Event = KubeObject & { reason?: string; note?: string; eventTime?: string };
  const { items } = await env.client.request<{ items: Event[] }>('GET', `/apis/events.k8s.io/v1/namespaces/${env.ns}/events`);
  return items
    .filter((e) => e.reason === 'Scaled')
    .sort((a, b) => (a.eventTime ?? '').localeCompare(b.eventTime ?? ''))
    .map((e) => e.note ?? '');
}

/** One cycle on the pipeline `name` of `env`, whose pods `pods` polls; load and sampler stop with the suite. */
export class ScaleCycle {
  readonly load: LoadGenerator;
  readonly sampler: FleetSampler;
  readonly #env: RealFleetEnv;
  readonly #pods: FleetPods;

  private constructor(env: RealFleetEnv, name: string, pods: FleetPods, target: string) {
    this.#env = env;
    this.#pods = pods;
    this.load = new LoadGenerator({ targets: () => [target], schedule: CYCLE_SCHEDULE, maxSpans: 100_000, recordIds: true, seed: 9, maxInFlightPerTarget: 64 }).start();
    this.sampler = new FleetSampler({ client: env.client, namespace: env.ns, pipeline: name, load: () => this.load, serving: () => pods.readyIps(), intervalMs: 500 }).start();
    env.cleanup.push(() => this.load.stop(), () => this.sampler.stop());
  }

  /** Starts the load on the pipeline's Service ClusterIP (in the Service range, 198.18.128.0/17). */
  static async start(env: RealFleetEnv, name: string, pods: FleetPods): Promise<ScaleCycle> {
    return new ScaleCycle(env, name, pods, await fleetClusterIpTarget(env.client, env.ns, name));
  }

  /** Waits for the schedule's end and the fleet back at one pod, then for the sink; prints and returns the outcome. */
  async finish(backToOneTimeoutMs: number): Promise<CycleOutcome> {
    await this.load.done;
    await waitFor('scaled back to 1', async () => this.sampler.latest?.replicas === 1 && this.#pods.pods.length === 1, backToOneTimeoutMs, 500);
    await this.sampler.stop();
    const stats = this.load.stats();
    await this.#env.sink.waitForItems(stats.acked, 'traces', 60_000).catch(() => undefined);
    const samples = this.sampler.samples;
    const outcome: CycleOutcome = {
      steps: replicaSteps(samples.map((s) => ({ ...s, t: s.load?.elapsed ?? s.t }))),
      upTo2: firstAt(samples, 0, (r) => r >= 2),
      upTo4: firstAt(samples, LEVEL2_AT, (r) => r >= 4),
      firstDown: firstAt(samples, DOWN_AT, (r) => r < 4),
      maxReplicas: Math.max(...samples.map((s) => s.replicas ?? 0)),
      load: { generated: stats.generated, acked: stats.acked, failed: stats.failed, backlogged: stats.backlogged },
      delivery: checkDelivery(this.load.ackedIds, this.#env.sink),
      failures: failureSteps(samples),
      scaled: await scaledNotes(this.#env),
      peakRate: Math.max(...samples.map((s) => s.autoscaling?.spansPerSecond ?? 0)),
    };
    console.log(JSON.stringify(outcome, null, 1));
    return outcome;
  }
}

/**
 * 1 -> 2 -> 4 within `scaleUpSlackS` of each level's start, down only after the stabilization window, and every
 * acknowledged span at the sink exactly once with no export failed.
 */
export function expectCycle(outcome: CycleOutcome, scaleUpSlackS: number): void {
  const { upTo2, upTo4, firstDown, load, delivery } = outcome;
  expect(upTo2).toBeDefined();
  expect(upTo2!).toBeLessThanOrEqual(LEVEL2_AT + scaleUpSlackS);
  expect(upTo4).toBeDefined();
  expect(upTo4! - LEVEL4_AT).toBeLessThanOrEqual(scaleUpSlackS);
  expect(outcome.maxReplicas).toBe(4);
  expect(firstDown).toBeDefined();
  expect(firstDown! - DOWN_AT).toBeGreaterThanOrEqual(STABILIZATION_S - PERIOD_S);
  expect(delivery).toMatchObject({ acked: load.acked, missing: 0, duplicated: 0 });
  expect(delivery.received).toBeLessThanOrEqual(load.acked + load.failed);
  expect(load.acked).toBeGreaterThan(20_000);
  expect(load.failed).toBe(0);
}
