// Builds the component instances of a validated config, wired as upstream does: one exporter per id
// shared by every pipeline naming it, processors created per pipeline (from the exporters back to the
// first processor), one receiver per id feeding every pipeline that lists it for a signal.
import type { Logger } from 'pino';
import type { ComponentContext, Consumer, Host, Lifecycle, Signal, SignalConsumers } from '../component.ts';
import type { CollectorConfig } from '../config/validate.ts';
import type { Telemetry } from '../telemetry.ts';
import { fanout } from './fanout.ts';
import { componentLogger } from './logger.ts';

export interface Node {
  readonly id: string;
  readonly kind: 'receiver' | 'processor' | 'exporter' | 'extension';
  readonly instance: Lifecycle;
}

export interface Graph {
  readonly receivers: readonly Node[];
  /** Per pipeline, first processor first. */
  readonly pipelines: readonly { readonly id: string; readonly processors: readonly Node[] }[];
  readonly exporters: readonly Node[];
  readonly extensions: readonly Node[];
}

export interface GraphDeps {
  readonly telemetry: Telemetry;
  readonly logger: Logger;
  readonly host: Host;
}

function bindLifecycle(instance: Lifecycle): Lifecycle {
  return {
    ...(instance.start ? { start: () => instance.start!() } : {}),
    ...(instance.shutdown ? { shutdown: (deadline: number) => instance.shutdown!(deadline) } : {}),
  };
}

export function buildGraph(config: CollectorConfig, deps: GraphDeps): Graph {
  const instances = new Map<string, Lifecycle>();
  const context = (kind: Node['kind'], id: string, type: string, pipeline?: string): ComponentContext => ({
    id, type, telemetry: deps.telemetry, logger: componentLogger(deps.logger, kind, id, pipeline), extensions: instances,
  });

  // First, so receivers and exporters can name them (auth.authenticator).
  const extensions = config.service.extensions.map((id): Node => {
    const { factory, config: settings } = config.extensions.get(id)!;
    const instance = factory.create(context('extension', id, factory.type), settings, deps.host);
    instances.set(id, instance);
    return { id, kind: 'extension', instance };
  });

  const exporters = new Map<string, Consumer & Lifecycle>();
  for (const pipeline of config.service.pipelines) {
    for (const id of pipeline.exporters) {
      if (exporters.has(id)) continue;
      const { factory, config: settings } = config.exporters.get(id)!;
      exporters.set(id, factory.create(context('exporter', id, factory.type), settings));
    }
  }

  const pipelines: { id: string; processors: Node[] }[] = [];
  const entries = new Map<string, { signal: Signal; first: Consumer }>();
  for (const pipeline of config.service.pipelines) {
    let next: Consumer = fanout(pipeline.exporters.map((id) => exporters.get(id)!));
    const processors: Node[] = [];
    for (const id of [...pipeline.processors].reverse()) {
      const { factory, config: settings } = config.processors.get(id)!;
      // tail_sampling, as upstream's, is not built on processorhelper either.
      const counted = factory.type !== 'batch' && factory.type !== 'tail_sampling';
      const flow = deps.telemetry.processorFlow(id, pipeline.signal);
      const after = next;
      const out: Consumer = counted ? { consume: (payload) => (flow.outgoing(payload.items), after.consume(payload)) } : after;
      const instance = factory.create(context('processor', id, factory.type, pipeline.id), settings, pipeline.signal, out);
      // Items in and out of every processor but batch and tail_sampling, as upstream's processorhelper counts them.
      const entry: Consumer & Lifecycle = counted
        ? { ...bindLifecycle(instance), consume: (payload) => (flow.incoming(payload.items), instance.consume(payload)) }
        : instance;
      processors.unshift({ id, kind: 'processor', instance: entry });
      next = entry;
    }
    pipelines.push({ id: pipeline.id, processors });
    entries.set(pipeline.id, { signal: pipeline.signal, first: next });
  }

  const receivers: Node[] = [];
  const receiverIds = new Set(config.service.pipelines.flatMap((pipeline) => pipeline.receivers));
  for (const id of receiverIds) {
    const targets: Partial<Record<Signal, Consumer[]>> = {};
    for (const pipeline of config.service.pipelines) {
      if (!pipeline.receivers.includes(id)) continue;
      (targets[pipeline.signal] ??= []).push(entries.get(pipeline.id)!.first);
    }
    const consumers: SignalConsumers = {};
    for (const [signal, list] of Object.entries(targets) as [Signal, Consumer[]][]) consumers[signal] = fanout(list);
    const { factory, config: settings } = config.receivers.get(id)!;
    receivers.push({ id, kind: 'receiver', instance: factory.create(context('receiver', id, factory.type), settings, consumers) });
  }

  return {
    receivers,
    pipelines,
    exporters: [...exporters].map(([id, instance]) => ({ id, kind: 'exporter', instance })),
    extensions,
  };
}
