// Samples a collector fleet over time for the autoscaling end-to-end test and the demo: the load
// generator's counters, the Deployment's replicas, the pipeline's status.autoscaling, how many collector
// processes serve, and the spans the collectors refused (their otelcol_receiver_refused_spans). The
// samples are the test's evidence and the demo's live view and chart.
import { objectPath, resources } from '../../src/operator/kube/resources.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { fleetName } from '../../src/operator/render/labels.ts';
import { METRICS_PORT } from '../../src/operator/render/defaults.ts';
import { sumMetric } from './collector-process.ts';
import type { LoadGenerator, LoadStats } from './load-generator.ts';

export interface FleetSample {
  /** Seconds since the sampler started. */
  t: number;
  load: LoadStats | undefined;
  /** Deployment spec.replicas (what the operator asked for). */
  replicas: number | undefined;
  readyReplicas: number | undefined;
  /** status.autoscaling of the pipeline. */
  autoscaling: { spansPerSecond?: number; desiredReplicas?: number; reason?: string; lastScaleTime?: string } | undefined;
  /** Pod IPs whose collector serves (process runtime), when known. */
  serving: number | undefined;
  /** Spans refused by the serving collectors so far (receiver + memory_limiter), when they can be scraped. */
  refused: number | undefined;
}

export interface SamplerOptions {
  client: KubeClient;
  namespace: string;
  pipeline: string;
  load?: () => LoadGenerator | undefined;
  /** Serving collector IPs (their :8888 is scraped for refusals). */
  serving?: () => readonly string[];
  intervalMs?: number;
  onSample?: (sample: FleetSample) => void;
}

export class FleetSampler {
  readonly samples: FleetSample[] = [];
  readonly #opts: SamplerOptions;
  readonly #startedAt = performance.now();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(opts: SamplerOptions) {
    this.#opts = opts;
  }

  start(): this {
    const loop = async () => {
      if (this.#stopped) return;
      this.#running = this.sample().then(() => undefined, () => undefined);
      await this.#running;
      if (!this.#stopped) this.#timer = setTimeout(() => void loop(), this.#opts.intervalMs ?? 500);
    };
    void loop();
    return this;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  get latest(): FleetSample | undefined {
    return this.samples.at(-1);
  }

  /** Takes one sample now (also used on its own by tests). */
  async sample(): Promise<FleetSample> {
    const { client, namespace, pipeline } = this.#opts;
    const t = (performance.now() - this.#startedAt) / 1000;
    const [deployment, tp, refused] = await Promise.all([
      client.request<{ spec?: { replicas?: number }; status?: { readyReplicas?: number } }>('GET', objectPath(resources.deployment, namespace, fleetName(pipeline))).catch(() => undefined),
      client.request<{ status?: { autoscaling?: FleetSample['autoscaling'] } }>('GET', objectPath(resources.pipeline, namespace, pipeline)).catch(() => undefined),
      this.#refused(),
    ]);
    const ips = this.#opts.serving?.();
    const sample: FleetSample = {
      t,
      load: this.#opts.load?.()?.stats(),
      replicas: deployment?.spec?.replicas,
      readyReplicas: deployment?.status?.readyReplicas,
      autoscaling: tp?.status?.autoscaling,
      serving: ips?.length,
      refused,
    };
    this.samples.push(sample);
    this.#opts.onSample?.(sample);
    return sample;
  }

  async #refused(): Promise<number | undefined> {
    const ips = this.#opts.serving?.();
    if (!ips) return undefined;
    const counts = await Promise.all(ips.map(async (ip) => {
      const text = await fetch(`http://${ip}:${METRICS_PORT}/metrics`, { signal: AbortSignal.timeout(1000) }).then((r) => r.text(), () => '');
      return sumMetric(text, 'otelcol_receiver_refused_spans') + sumMetric(text, 'otelcol_processor_refused_spans');
    }));
    return counts.reduce((a, b) => a + b, 0);
  }
}

/** The samples' replica counts as [seconds, replicas] steps: one entry per change. */
export function replicaSteps(samples: readonly FleetSample[]): [number, number][] {
  const steps: [number, number][] = [];
  for (const s of samples) {
    if (s.replicas === undefined || steps.at(-1)?.[1] === s.replicas) continue;
    steps.push([Math.round(s.t * 10) / 10, s.replicas]);
  }
  return steps;
}
