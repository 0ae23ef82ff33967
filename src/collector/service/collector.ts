// A running collector: starts the graph (extensions, exporters, processors back to front, receivers)
// and stops it in the order that loses nothing: receivers stop accepting, processors flush in
// pipeline order, exporters drain their queues until the deadline, extensions and self-metrics last.
import type { Logger } from 'pino';
import type { Host } from '../component.ts';
import type { QueueBacklog } from '../exporters/exporter-helper.ts';
import { metricsEndpoint, metricsEndpointSetting } from '../config/service.ts';
import type { CollectorConfig } from '../config/validate.ts';
import { ListenError } from '../listen.ts';
import { Telemetry } from '../telemetry.ts';
import { buildGraph, type Graph, type Node } from './graph.ts';
import { MetricsServer } from './metrics-server.ts';
import { itemSummary } from './summary.ts';

export class Collector implements Host {
  readonly telemetry: Telemetry;
  readonly #logger: Logger;
  readonly #graph: Graph;
  readonly #metricsServer: MetricsServer | undefined;
  readonly #started: Node[] = [];
  #readySince: number | undefined;
  #stopping: Promise<void> | undefined;

  constructor(config: CollectorConfig, logger: Logger, telemetry: Telemetry = new Telemetry()) {
    this.telemetry = telemetry;
    this.#logger = logger;
    this.#graph = buildGraph(config, { telemetry, logger, host: this });
    const endpoint = metricsEndpoint(config.service.telemetry);
    this.#metricsServer = endpoint ? new MetricsServer(endpoint, metricsEndpointSetting(config.service.telemetry), telemetry, logger) : undefined;
  }

  pipelinesReady(): boolean {
    return this.#readySince !== undefined;
  }

  readySince(): number | undefined {
    return this.#readySince;
  }

  /** What the exporters' sending queues hold (queued and in flight), one entry per exporter and signal. */
  exporterBacklog(): QueueBacklog[] {
    return this.#graph.exporters.flatMap((node) => {
      const exporter = node.instance as { backlog?: () => readonly QueueBacklog[] };
      return exporter.backlog?.() ?? [];
    });
  }

  /**
   * Starts everything; on failure stops what already started and rethrows. A component's ListenError comes out
   * with the component's config path (`receivers.otlp.protocols.grpc.endpoint`).
   */
  async start(): Promise<void> {
    let starting: Node | undefined;
    try {
      await this.#metricsServer?.start();
      const { extensions, exporters, pipelines, receivers } = this.#graph;
      const processors = [...pipelines].reverse().flatMap((pipeline) => [...pipeline.processors].reverse());
      for (const node of [...extensions, ...exporters, ...processors, ...receivers]) {
        starting = node;
        await node.instance.start?.();
        this.#started.push(node);
      }
    } catch (error) {
      await this.shutdown(Date.now() + 5000);
      throw error instanceof ListenError && starting ? error.under(`${starting.kind}s.${starting.id}`) : error;
    }
    this.#readySince = Date.now();
    this.#logger.info('Everything is ready. Begin running and processing data.');
  }

  shutdown(deadline: number): Promise<void> {
    this.#stopping ??= this.#stop(deadline);
    return this.#stopping;
  }

  async #stop(deadline: number): Promise<void> {
    this.#readySince = undefined;
    this.#logger.info({ drain_deadline: new Date(deadline).toISOString() }, 'Starting shutdown...');
    const started = new Set(this.#started);
    const stop = (nodes: readonly Node[]) => Promise.all(nodes.filter((node) => started.has(node)).map((node) => this.#stopNode(node, deadline)));
    await stop(this.#graph.receivers);
    await Promise.all(this.#graph.pipelines.map(async (pipeline) => {
      for (const node of pipeline.processors) if (started.has(node)) await this.#stopNode(node, deadline);
    }));
    await stop(this.#graph.exporters);
    await stop(this.#graph.extensions);
    await this.#metricsServer?.shutdown(Math.min(deadline, Date.now() + 1000)).catch(() => undefined);
    this.#logger.info({ items: await itemSummary(this.telemetry) }, 'Shutdown complete.');
  }

  async #stopNode(node: Node, deadline: number): Promise<void> {
    try {
      await node.instance.shutdown?.(deadline);
    } catch (error) {
      this.#logger.error({ err: error, kind: node.kind, id: node.id }, 'component failed to shut down');
    }
  }
}
