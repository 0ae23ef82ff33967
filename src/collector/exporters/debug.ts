// `debug` exporter: logs a summary of each request (basic), one line per record (normal) or every
// field (detailed), through the collector's logger or straight to stdout, with zap-style sampling.
import { z } from 'zod';
import type { ComponentContext, ExporterFactory, Payload, Signal } from '../component.ts';
import { encodeRequest, protobufToJson } from '../otlp/index.ts';
import { formatDetailed, formatNormal } from './debug-format.ts';
import { createExporter } from './exporter-helper.ts';
import type { Exporter, HelperDeps } from './exporter-helper.ts';
import { readFields } from './proto-fields.ts';
import { queueConfigSchema } from './sending-queue.ts';

export const debugConfigSchema = z.strictObject({
  verbosity: z.enum(['basic', 'normal', 'detailed']).default('basic'),
  sampling_initial: z.number().int().nonnegative().default(2),
  sampling_thereafter: z.number().int().nonnegative().default(1),
  use_internal_logger: z.boolean().default(true),
  /** Off unless the section is written, as upstream. */
  sending_queue: queueConfigSchema.prefault({ enabled: false }),
});

export type DebugConfig = z.output<typeof debugConfigSchema>;

/**
 * zap's sampler, which upstream's debug exporter uses: per key and per second, the first
 * `initial` entries pass, then every `thereafter`-th (0 = none).
 */
export class Sampler {
  readonly #initial: number;
  readonly #thereafter: number;
  readonly #now: () => number;
  #second = -1;
  readonly #counts = new Map<string, number>();

  constructor(initial: number, thereafter: number, now: () => number = Date.now) {
    this.#initial = initial;
    this.#thereafter = thereafter;
    this.#now = now;
  }

  allow(key: string): boolean {
    const second = Math.floor(this.#now() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#counts.clear();
    }
    const n = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, n);
    if (n <= this.#initial) return true;
    return this.#thereafter > 0 && (n - this.#initial) % this.#thereafter === 0;
  }
}

const MESSAGE: Record<Signal, string> = { traces: 'Traces', metrics: 'Metrics', logs: 'Logs' };

/** Metrics in a request: ResourceMetrics.scope_metrics(2).metrics(2), scanned without decoding. */
function countMetrics(resources: readonly Uint8Array[]): number {
  let metrics = 0;
  for (const resource of resources) {
    for (const scope of readFields(resource)) {
      if (scope.field !== 2 || !(scope.value instanceof Uint8Array)) continue;
      for (const field of readFields(scope.value)) if (field.field === 2) metrics++;
    }
  }
  return metrics;
}

/** The fields of the summary line, named as upstream's. */
export function summary(payload: Payload): Record<string, number> {
  const resources = payload.resources.length;
  switch (payload.signal) {
    case 'traces': return { 'resource spans': resources, spans: payload.items };
    case 'metrics': return { 'resource metrics': resources, metrics: countMetrics(payload.resources), 'data points': payload.items };
    case 'logs': return { 'resource logs': resources, 'log records': payload.items };
  }
}

export interface DebugDeps extends HelperDeps {
  /** Where output goes when use_internal_logger is false; stdout by default. */
  readonly write?: (text: string) => void;
}

export function createDebugExporter(ctx: ComponentContext, cfg: DebugConfig, deps: DebugDeps = {}): Exporter {
  const sampler = new Sampler(cfg.sampling_initial, cfg.sampling_thereafter, deps.clock ? () => deps.clock!.now() : Date.now);
  const write = deps.write ?? ((text: string) => void process.stdout.write(text));
  const output = (message: string, fields: Record<string, number>, body: string | undefined) => {
    if (cfg.use_internal_logger) {
      ctx.logger.info(fields, message);
      if (body !== undefined) ctx.logger.info(body);
    } else {
      write(`${message}\t${JSON.stringify(fields)}\n${body === undefined ? '' : `${body}\n`}`);
    }
  };
  const push = async (payload: Payload) => {
    const message = MESSAGE[payload.signal];
    if (!sampler.allow(message)) return;
    let body: string | undefined;
    if (cfg.verbosity !== 'basic') {
      const request = protobufToJson(payload.signal, encodeRequest(payload));
      body = cfg.verbosity === 'detailed' ? formatDetailed(payload.signal, request) : formatNormal(payload.signal, request);
    }
    output(message, summary(payload), body);
  };
  return createExporter(ctx, { sending_queue: cfg.sending_queue, timeout: 0 }, { push }, deps);
}

export const debugExporterFactory: ExporterFactory<DebugConfig> = {
  type: 'debug',
  configSchema: debugConfigSchema,
  create: (ctx, cfg) => createDebugExporter(ctx, cfg),
};
