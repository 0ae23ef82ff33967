// What both transports do with a request body: scan it into a Payload, hand it to the pipeline and
// count the items accepted or refused. Kept callback-based so a synchronous pipeline (the common
// case: memory_limiter then batch) costs no promise per request.
import type { Consumer, Payload, Signal } from '../../component.ts';
import { ConsumerError } from '../../errors.ts';
import { parseRequest, WireError } from '../../otlp/index.ts';
import type { ReceiverMetrics } from '../../telemetry.ts';

export type Failure =
  | { readonly kind: 'malformed'; readonly message: string }
  /** The pipeline refused: retryable (back-pressure) or permanent. */
  | { readonly kind: 'refused'; readonly retryable: boolean; readonly message: string };

export type Done = (failure: Failure | undefined) => void;

export class Intake {
  readonly #signal: Signal;
  readonly #consumer: Consumer;
  readonly #metrics: ReceiverMetrics;

  constructor(signal: Signal, consumer: Consumer, metrics: ReceiverMetrics) {
    this.#signal = signal;
    this.#consumer = consumer;
    this.#metrics = metrics;
  }

  push(bytes: Uint8Array, done: Done): void {
    let payload: Payload;
    try {
      payload = parseRequest(this.#signal, bytes);
    } catch (error) {
      done({ kind: 'malformed', message: (error as Error).message });
      return;
    }
    this.pushPayload(payload, done);
  }

  pushPayload(payload: Payload, done: Done): void {
    // An empty request is answered without touching the pipeline, as upstream.
    if (payload.items === 0) {
      done(undefined);
      return;
    }
    let result: void | Promise<void>;
    try {
      result = this.#consumer.consume(payload);
    } catch (error) {
      done(this.#refused(payload, error));
      return;
    }
    if (!result) {
      this.#metrics.accepted(this.#signal, payload.items);
      done(undefined);
      return;
    }
    result.then(
      () => {
        this.#metrics.accepted(this.#signal, payload.items);
        done(undefined);
      },
      (error: unknown) => done(this.#refused(payload, error)),
    );
  }

  #refused(payload: Payload, error: unknown): Failure {
    this.#metrics.refused(this.#signal, payload.items);
    // The receiver only scans a request's outer fields; a processor that decodes deeper may find it malformed, which
    // no retry mends (upstream, decoding all of it up front, answers such a request INVALID_ARGUMENT / 400 too).
    if (error instanceof WireError) return { kind: 'malformed', message: error.message };
    // As upstream: only errors marked permanent are permanent; anything else may succeed on retry.
    const retryable = !(error instanceof ConsumerError) || error.retryable;
    return { kind: 'refused', retryable, message: error instanceof Error ? error.message : String(error) };
  }
}
