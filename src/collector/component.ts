// Contracts shared by every collector component. The hot path passes OTLP data still encoded:
// a Payload is the list of top-level entries of an export request, never a decoded object.
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Extensions } from './auth.ts';
import type { Telemetry } from './telemetry.ts';

export type Signal = 'traces' | 'metrics' | 'logs';
export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/**
 * An OTLP export request kept in wire format. `resources` holds the encoded bodies (without tag and
 * length prefix) of the request's repeated field 1: ResourceSpans, ResourceMetrics or ResourceLogs.
 * They are views into received buffers; a component that changes one builds a new buffer, never
 * writes into a view. `items` counts spans, metric data points or log records.
 */
export interface Payload {
  readonly signal: Signal;
  readonly resources: readonly Uint8Array[];
  readonly items: number;
  readonly bytes: number;
}

/** Next hop of a pipeline. A returned promise resolves once the data is accepted downstream. */
export interface Consumer {
  consume(payload: Payload): void | Promise<void>;
}

export interface Lifecycle {
  start?(): Promise<void>;
  /** Stop; finish or hand over in-flight work before `deadline` (epoch ms), then count the rest as dropped. */
  shutdown?(deadline: number): Promise<void>;
}

export interface ComponentContext {
  /** Full id as written in the config, e.g. `otlp/backend`. */
  readonly id: string;
  readonly type: string;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /** The collector's extensions by id (those listed in service.extensions), started before any other component. */
  readonly extensions?: Extensions;
}

export type SignalConsumers = Partial<Record<Signal, Consumer>>;

/** What extensions may ask of the running collector. */
export interface Host {
  /** True once every pipeline is started and until shutdown begins. */
  pipelinesReady(): boolean;
  /** Epoch ms when the pipelines last became ready, or undefined while they are not. */
  readySince?(): number | undefined;
}

export interface ReceiverFactory<C = unknown> {
  readonly type: string;
  /** Signals it can produce; every signal when absent. */
  readonly signals?: readonly Signal[];
  readonly configSchema: z.ZodType<C>;
  create(ctx: ComponentContext, config: C, consumers: SignalConsumers): Lifecycle;
}

/** A config problem found for one signal only, with its path inside the component's config. */
export interface SignalProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export interface ProcessorFactory<C = unknown> {
  readonly type: string;
  readonly signals: readonly Signal[];
  readonly configSchema: z.ZodType<C>;
  /** Problems of a valid config in a pipeline of `signal` (upstream finds them when it builds that pipeline). */
  signalProblems?(config: C, signal: Signal): readonly SignalProblem[];
  /** One instance per pipeline, as upstream. */
  create(ctx: ComponentContext, config: C, signal: Signal, next: Consumer): Consumer & Lifecycle;
}

export interface ExporterFactory<C = unknown> {
  readonly type: string;
  readonly aliases?: readonly string[];
  /** Signals it can send; every signal when absent. */
  readonly signals?: readonly Signal[];
  readonly configSchema: z.ZodType<C>;
  /** One instance per exporter id, shared by every pipeline that names it, as upstream. */
  create(ctx: ComponentContext, config: C): Consumer & Lifecycle;
}

export interface ExtensionFactory<C = unknown> {
  readonly type: string;
  readonly configSchema: z.ZodType<C>;
  create(ctx: ComponentContext, config: C, host: Host): Lifecycle;
}
