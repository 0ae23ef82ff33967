// The autoscaler loop of the operator (side effects). Runs on the leader only, for one leadership
// term. Every evaluation period of each TelemetryPipeline with spec.scaling.enabled: list the
// fleet's serving pods from the pod cache, scrape them, compute rates and decide; write the count
// to spec.replicas through the pipeline's scale subresource (as the HPA and KEDA do), then record
// what was observed in status.autoscaling. With tailSampling, the sampling tier's count is decided too. The reconcile renders the Deployment's replicas from
// spec.replicas; nothing reads status.autoscaling back.
import type { Logger } from 'pino';
import { parseQuantity } from '../../api/quantity.ts';
import type { AutoscalingStatus } from '../../api/status.ts';
import { GUIDE_CAPACITY, type TelemetryPipelineSpec } from '../../api/telemetry-pipeline.ts';
import type { Clock, TimerHandle } from '../kube/clock.ts';
import type { KubeRequester } from '../kube/client.ts';
import { canonicalJson } from '../kube/desired-match.ts';
import type { EventRecorder } from '../kube/events.ts';
import { FIELD_MANAGER } from '../kube/apply.ts';
import { objectPath, resources } from '../kube/resources.ts';
import type { Store } from '../kube/store.ts';
import { splitKey, type KubeObject } from '../kube/types.ts';
import type { PipelineObject, PipelineViews } from '../pipelines.ts';
import { runsNodeCollector } from '../render/collector-process.ts';
import { fleetName, fleetReplicas, memorySizing } from '../render/index.ts';
import { LABEL_SAMPLER_OF, samplerReplicas } from '../render/sampler-tier.ts';
import { historyFrom, HPA_SCALE_UP, type History } from './behavior.ts';
import { decideSamplers } from './sampler-decision.ts';
import { learnCosts, NO_COSTS, recordCosts, usableCores, type CostHistory } from './capacity.ts';
import { decide, type CpuBudget, type Decision } from './decision.ts';
import { autoscalingStatus, scrapeTargets } from './fleet-status.ts';
import { computeRates, EMPTY_RATE_STATE, type RateState } from './rates.ts';
import { AUTOSCALER_FIELD_MANAGER, overriddenWriter } from './scale-writer.ts';
import { formatCpu, formatRate } from './reason.ts';
import { scrapePods, type ScrapeOptions } from './scrape.ts';

export interface AutoscalerDeps {
  pipelines: PipelineViews;
  /** The fleets' workloads: Deployments, and StatefulSets (spec.persistence). */
  workloads: readonly Store<KubeObject>[];
  pods: Store<KubeObject>;
  /** Requests carry the leadership term's signal. */
  client: KubeRequester;
  events: EventRecorder;
  clock: Clock;
  log: Logger;
  /** The leadership term: aborting it stops the loop and every scrape in flight. */
  signal: AbortSignal;
  scrape?: Omit<ScrapeOptions, 'now' | 'signal'>;
  /** How often due evaluations are looked for. */
  tickMs?: number;
}

interface FleetState {
  /** When the next evaluation is due (the decision's clock, so periods stay exact). */
  due: number;
  rates: RateState;
  history: History;
  costs: CostHistory;
  /** Spans/s per replica last announced in a CapacityLearned event. */
  announcedCapacity?: number;
  /** The sampling tier's recommendations and scale events (tailSampling). */
  samplerHistory: History;
  running: boolean;
}

export class Autoscaler {
  readonly #d: AutoscalerDeps;
  readonly #fleets = new Map<string, FleetState>();
  readonly #inFlight = new Set<Promise<void>>();
  #timer: TimerHandle | undefined;
  #running = false;

  constructor(deps: AutoscalerDeps) {
    this.#d = deps;
  }

  start(): void {
    if (this.#running || this.#d.signal.aborted) return;
    this.#running = true;
    this.#d.signal.addEventListener('abort', () => this.#halt(), { once: true });
    this.#tick();
  }

  /** Stops the loop and waits for evaluations in flight (the term's end aborts their requests). */
  async stop(): Promise<void> {
    this.#halt();
    await Promise.allSettled([...this.#inFlight]);
    this.#fleets.clear();
  }

  #halt(): void {
    this.#running = false;
    if (this.#timer) this.#d.clock.clearTimeout(this.#timer);
  }

  #tick(): void {
    if (!this.#running) return;
    const now = this.#d.clock.now();
    const seen = new Set<string>();
    for (const key of this.#d.pipelines.keys()) {
      const period = this.#periodOf(key);
      if (period === undefined) continue;
      seen.add(key);
      let fleet = this.#fleets.get(key);
      if (!fleet) {
        // A new term knows nothing of the recommendations its predecessor saw: it holds scale-downs for a window.
        fleet = { due: now, rates: EMPTY_RATE_STATE, history: historyFrom(now), costs: NO_COSTS, samplerHistory: historyFrom(now), running: false };
        this.#fleets.set(key, fleet);
      }
      if (fleet.running || now < fleet.due) continue;
      const due = fleet.due;
      // A loop that fell behind (slow scrapes, a paused process) skips periods instead of bunching them.
      fleet.due = now - due >= period ? now + period : due + period;
      const run = this.#evaluate(key, fleet, due)
        .catch((err: Error) => {
          if (!this.#d.signal.aborted) this.#d.log.warn({ key, err: err.message }, 'autoscaler evaluation failed');
        })
        .finally(() => {
          fleet.running = false;
          this.#inFlight.delete(run);
        });
      fleet.running = true;
      this.#inFlight.add(run);
    }
    // Pipelines deleted, or with autoscaling turned off, start afresh if it comes back.
    for (const key of this.#fleets.keys()) if (!seen.has(key)) this.#fleets.delete(key);
    this.#timer = this.#d.clock.setTimeout(() => this.#tick(), this.#d.tickMs ?? 1000);
  }

  /** Evaluation period in ms, or undefined when the pipeline is not autoscaled (or its spec is invalid). */
  #periodOf(key: string): number | undefined {
    const view = this.#d.pipelines.get(key);
    const spec = view?.parsed.ok ? view.parsed.pipeline.spec : undefined;
    return spec?.scaling.enabled ? spec.scaling.evaluationPeriodSeconds * 1000 : undefined;
  }

  async #evaluate(key: string, fleet: FleetState, due: number): Promise<void> {
    const { clock, signal } = this.#d;
    const { namespace = '', name } = splitKey(key);
    // No fleet yet: the reconcile creates it.
    const workloadKey = `${namespace}/${fleetName(name)}`;
    if (!this.#d.workloads.some((store) => store.get(workloadKey))) return;

    const targets = scrapeTargets(this.#d.pods.values(), namespace, name);
    const scrapes = await scrapePods(targets, { ...this.#d.scrape, now: () => clock.now(), signal });
    if (!this.#running) return;
    const { pods, state } = computeRates(fleet.rates, scrapes);
    fleet.rates = state;
    fleet.costs = recordCosts(fleet.costs, pods, due);

    // Decide from the pipeline as it is now (a scrape takes a while): its spec, and the resourceVersion
    // the scale write is conditional on.
    const view = this.#d.pipelines.get(key);
    if (!view?.parsed.ok || !view.parsed.pipeline.spec.scaling.enabled) return;
    const spec = view.parsed.pipeline.spec;
    const current = fleetReplicas(spec);
    const cpu = this.#cpuBudget(spec, fleet);
    const policy = { ...spec.scaling, capacityPerReplica: spec.scaling.capacityPerReplica ?? GUIDE_CAPACITY };
    const decision = decide({ pods, spec: policy, ...(cpu && { cpu }), currentReplicas: current, history: fleet.history, now: due });
    fleet.history = decision.newHistory;
    const learned = cpu && cpu !== 'learning' ? { cores: cpu.cores, idleCores: cpu.learned.baselineCores } : undefined;
    if (learned) this.#announceCapacity(view.object, fleet, decision, learned.cores);
    await this.#apply(view.object, spec.replicas, current, decision, learned);
    if (spec.processors.tailSampling) await this.#scaleSamplers(view.object, spec, fleet, due);
  }

  /**
   * The sampling tier: tailSampling.sampler.replicas from what the samplers hold (sampler-decision.ts), written to
   * the spec with a merge patch of that one field (no subresource holds it); the reconcile renders the Deployment.
   */
  async #scaleSamplers(pipeline: PipelineObject, spec: TelemetryPipelineSpec, fleet: FleetState, due: number): Promise<void> {
    const { clock, signal, log, events } = this.#d;
    const { namespace = '', name } = pipeline.metadata;
    const tailSampling = spec.processors.tailSampling!;
    const targets = scrapeTargets(this.#d.pods.values(), namespace, name, LABEL_SAMPLER_OF);
    const scrapes = await scrapePods(targets, { ...this.#d.scrape, now: () => clock.now(), signal });
    if (!this.#running) return;
    const current = samplerReplicas(spec);
    const { minReplicas, maxReplicas } = tailSampling.sampler;
    const decision = decideSamplers({
      pods: scrapes.map((s) => (s.result.ok ? s.result.snapshot : undefined)),
      numTraces: tailSampling.numTraces,
      heapLimitBytes: memorySizing(spec).limitMiB * 1024 * 1024,
      targetUtilization: spec.scaling.targetUtilization,
      currentReplicas: current,
      history: fleet.samplerHistory,
      now: due,
      behavior: { ...HPA_SCALE_UP, minReplicas, maxReplicas, scaleDownStabilizationSeconds: spec.scaling.scaleDownStabilizationSeconds },
    });
    fleet.samplerHistory = decision.newHistory;
    const scaled = decision.desiredReplicas !== current;
    log[scaled ? 'info' : 'debug']({ key: `${namespace}/${name}`, current, desired: decision.desiredReplicas, reason: decision.reason }, 'sampler autoscaler decision');
    if (decision.desiredReplicas !== tailSampling.sampler.replicas) {
      await this.#d.client.request('PATCH', objectPath(resources.pipeline, namespace, name), {
        body: { spec: { processors: { tailSampling: { sampler: { replicas: decision.desiredReplicas } } } } },
        contentType: 'application/merge-patch+json',
        query: { fieldManager: AUTOSCALER_FIELD_MANAGER },
      });
    }
    if (scaled) events.record({ regarding: pipeline, type: 'Normal', reason: 'Scaled', action: 'Autoscale', note: `sampling tier: ${decision.reason}` });
  }

  /** With capacityPerReplica left out: the learned costs and the cores a replica may use, or 'learning'. */
  #cpuBudget(spec: TelemetryPipelineSpec, fleet: FleetState): CpuBudget | 'learning' | undefined {
    if (spec.scaling.capacityPerReplica !== undefined) return undefined;
    const learned = learnCosts(fleet.costs);
    return learned ? { cores: usableCores(parseQuantity(spec.resources.limits.cpu), runsNodeCollector(spec)), learned } : 'learning';
  }

  /** A CapacityLearned event when the learned spans/s per replica first appears or moves by a quarter. */
  #announceCapacity(pipeline: PipelineObject, fleet: FleetState, decision: Decision, cores: number): void {
    const spans = decision.capacity.spansPerSecond;
    const last = fleet.announcedCapacity;
    if (last !== undefined && Math.abs(spans - last) < 0.25 * last) return;
    fleet.announcedCapacity = spans;
    this.#d.events.record({
      regarding: pipeline,
      type: 'Normal',
      reason: 'CapacityLearned',
      action: 'Autoscale',
      note: `capacity learned: ${formatRate(spans)} spans/s per replica at ${formatCpu(cores)} CPU`,
    });
  }

  async #apply(
    pipeline: PipelineObject,
    specReplicas: number,
    current: number,
    decision: Decision,
    learned: { cores: number; idleCores: number } | undefined,
  ): Promise<void> {
    const { clock, log, events } = this.#d;
    const desired = decision.desiredReplicas;
    const scaled = desired !== current;
    log[scaled ? 'info' : 'debug']({ key: `${pipeline.metadata.namespace}/${pipeline.metadata.name}`, current, desired, reason: decision.reason }, 'autoscaler decision');
    if (desired !== specReplicas) {
      const overridden = overriddenWriter(pipeline.metadata);
      await this.#writeScale(pipeline, desired);
      if (overridden) {
        const by = `${overridden.manager}${overridden.viaScale ? ' through the scale subresource' : ''}`;
        events.record({
          regarding: pipeline,
          type: 'Warning',
          reason: 'ScaleOverridden',
          action: 'Autoscale',
          note: `spec.replicas ${specReplicas} (last set by ${by}) overridden with ${desired}: scaling.enabled is true, so the autoscaler owns the replica count`,
        });
      }
    }
    if (scaled) events.record({ regarding: pipeline, type: 'Normal', reason: 'Scaled', action: 'Autoscale', note: decision.reason });
    const status = autoscalingStatus(decision, current, clock.now(), learned);
    if (!sameFields(status, pipeline.status?.autoscaling)) await this.#writeStatus(pipeline, status);
  }

  /** spec.replicas through /scale, conditional on the resourceVersion decided from (409 when the spec moved on). */
  async #writeScale(pipeline: PipelineObject, replicas: number): Promise<void> {
    const { namespace, name, resourceVersion } = pipeline.metadata;
    await this.#d.client.request('PATCH', objectPath(resources.pipeline, namespace, name, 'scale'), {
      body: { metadata: { resourceVersion }, spec: { replicas } },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: AUTOSCALER_FIELD_MANAGER },
    });
  }

  async #writeStatus(pipeline: PipelineObject, autoscaling: AutoscalingStatus): Promise<void> {
    const { namespace, name } = pipeline.metadata;
    // A merge patch of the one field the autoscaler owns: no resourceVersion, so it never
    // conflicts with the reconcile's status writes (which leave autoscaling alone).
    await this.#d.client.request<KubeObject>('PATCH', objectPath(resources.pipeline, namespace, name, 'status'), {
      body: { status: { autoscaling } },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: FIELD_MANAGER },
    });
  }
}

/** Every field of `next` already has that value in `live` (a merge patch of `next` would change nothing). */
function sameFields(next: AutoscalingStatus, live: AutoscalingStatus | undefined): boolean {
  const liveFields = (live ?? {}) as Record<string, unknown>;
  return Object.entries(next).every(([k, v]) => canonicalJson(v) === canonicalJson(liveFields[k]));
}
