// The autoscaler loop of the operator (side effects). Runs on the leader only. Every evaluation
// period of each TelemetryPipeline with spec.scaling.enabled: list the fleet's serving pods from
// the pod cache, scrape them, compute rates and decide, then write status.autoscaling, record an
// event when the count changes and enqueue the pipeline. The reconcile is the only writer of the
// Deployment's replicas: it reads status.autoscaling.desiredReplicas.
import type { Logger } from 'pino';
import type { AutoscalingStatus } from '../../api/status.ts';
import { parsePipeline, type TelemetryPipelineStatus } from '../../api/telemetry-pipeline.ts';
import type { Clock, TimerHandle } from '../kube/clock.ts';
import type { KubeClient } from '../kube/client.ts';
import { canonicalJson } from '../kube/desired-match.ts';
import type { EventRecorder } from '../kube/events.ts';
import type { Informer } from '../kube/informer.ts';
import { objectPath, resources } from '../kube/resources.ts';
import type { Store } from '../kube/store.ts';
import type { KubeObject } from '../kube/types.ts';
import { fleetName } from '../render/labels.ts';
import { EMPTY_HISTORY, type History } from './behavior.ts';
import { decide } from './decision.ts';
import { autoscalingStatus, scrapeTargets } from './fleet-status.ts';
import { computeRates, EMPTY_RATE_STATE, type RateState } from './rates.ts';
import { scrapePods, type ScrapeOptions } from './scrape.ts';

export interface AutoscalerDeps {
  pipelines: Informer<KubeObject>;
  deployments: Store<KubeObject>;
  pods: Store<KubeObject>;
  client: KubeClient;
  events: EventRecorder;
  clock: Clock;
  log: Logger;
  /** Asks the reconcile to apply the decision. */
  enqueue(key: string): void;
  scrape?: Omit<ScrapeOptions, 'now' | 'signal'>;
  /** How often due evaluations are looked for. */
  tickMs?: number;
}

interface FleetState {
  /** When the next evaluation is due (the decision's clock, so periods stay exact). */
  due: number;
  rates: RateState;
  history: History;
  running: boolean;
}

type PipelineObject = KubeObject & { status?: TelemetryPipelineStatus };

export class Autoscaler {
  readonly #d: AutoscalerDeps;
  readonly #fleets = new Map<string, FleetState>();
  readonly #inFlight = new Set<Promise<void>>();
  #abort = new AbortController();
  #timer: TimerHandle | undefined;
  #running = false;

  constructor(deps: AutoscalerDeps) {
    this.#d = deps;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    this.#tick();
  }

  /** Stops the loop and waits for evaluations in flight; their scrapes are aborted. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) this.#d.clock.clearTimeout(this.#timer);
    this.#abort.abort();
    await Promise.allSettled([...this.#inFlight]);
    this.#fleets.clear();
  }

  #tick(): void {
    if (!this.#running) return;
    const now = this.#d.clock.now();
    const seen = new Set<string>();
    for (const key of this.#d.pipelines.store.keys()) {
      const period = this.#periodOf(key);
      if (period === undefined) continue;
      seen.add(key);
      let fleet = this.#fleets.get(key);
      if (!fleet) {
        fleet = { due: now, rates: EMPTY_RATE_STATE, history: EMPTY_HISTORY, running: false };
        this.#fleets.set(key, fleet);
      }
      if (fleet.running || now < fleet.due) continue;
      const due = fleet.due;
      // A loop that fell behind (slow scrapes, a paused process) skips periods instead of bunching them.
      fleet.due = now - due >= period ? now + period : due + period;
      const run = this.#evaluate(key, fleet, due)
        .catch((err: Error) => this.#d.log.warn({ key, err: err.message }, 'autoscaler evaluation failed'))
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
    const spec = this.#spec(key);
    return spec?.scaling.enabled ? spec.scaling.evaluationPeriodSeconds * 1000 : undefined;
  }

  #spec(key: string) {
    const raw = this.#d.pipelines.store.get(key);
    if (!raw || raw.metadata.deletionTimestamp) return undefined;
    const parsed = parsePipeline({ ...raw, status: undefined });
    return parsed.ok ? parsed.pipeline.spec : undefined;
  }

  async #evaluate(key: string, fleet: FleetState, due: number): Promise<void> {
    const { clock, log } = this.#d;
    const raw = this.#d.pipelines.store.get(key) as PipelineObject | undefined;
    const spec = this.#spec(key);
    if (!raw || !spec) return;
    const { namespace = '', name } = raw.metadata;
    const deployment = this.#d.deployments.get(`${namespace}/${fleetName(name)}`);
    const current = (deployment?.spec as { replicas?: number } | undefined)?.replicas;
    // No fleet yet: the reconcile creates it at minReplicas.
    if (current === undefined) return;

    const targets = scrapeTargets(this.#d.pods.values(), namespace, name);
    const scrapes = await scrapePods(targets, { ...this.#d.scrape, now: () => clock.now(), signal: this.#abort.signal });
    if (!this.#running) return;
    const rates = computeRates(fleet.rates, scrapes);
    fleet.rates = rates.state;
    const decision = decide({ pods: rates.pods, spec: spec.scaling, currentReplicas: current, history: fleet.history, now: due });
    fleet.history = decision.newHistory;

    const latest = (this.#d.pipelines.store.get(key) as PipelineObject | undefined) ?? raw;
    const status = autoscalingStatus(decision, current, latest.status?.autoscaling, clock.now());
    const scaled = decision.desiredReplicas !== current;
    log[scaled ? 'info' : 'debug']({ key, current, desired: decision.desiredReplicas, reason: decision.reason }, 'autoscaler decision');
    if (canonicalJson(status) !== canonicalJson(latest.status?.autoscaling)) await this.#writeStatus(latest, status);
    if (scaled) {
      this.#d.events.record({ regarding: latest, type: 'Normal', reason: 'Scaled', action: 'Autoscale', note: decision.reason });
      this.#d.enqueue(key);
    }
  }

  async #writeStatus(raw: PipelineObject, autoscaling: AutoscalingStatus): Promise<void> {
    const { namespace, name } = raw.metadata;
    // A merge patch of the one field the autoscaler owns: no resourceVersion, so it never
    // conflicts with the reconcile's status writes (which leave autoscaling alone).
    const updated = await this.#d.client.request<KubeObject>('PATCH', objectPath(resources.pipeline, namespace, name, 'status'), {
      body: { status: { autoscaling } },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'telemetry-pipeline-operator' },
    });
    this.#d.pipelines.writeThrough(updated);
  }
}
