// retry_on_failure as upstream's exporterhelper: exponential backoff with jitter, server throttling
// (gRPC RetryInfo, HTTP Retry-After) as a lower bound on the next delay, and which failures are
// worth retrying. Everything here is pure; the loop that sleeps lives in retry-sender.ts.
import { z } from 'zod';
import { duration } from '../config/duration.ts';
import { ConsumerError } from '../errors.ts';

export const retryConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    initial_interval: duration.default(5_000),
    randomization_factor: z.number().min(0).max(1).default(0.5),
    multiplier: z.number().min(0).default(1.5),
    max_interval: duration.default(30_000),
    /** 0 = retry forever. */
    max_elapsed_time: duration.default(300_000),
  })
  .superRefine((cfg, ctx) => {
    if (!cfg.enabled || cfg.max_elapsed_time === 0) return;
    if (cfg.max_elapsed_time < cfg.initial_interval) {
      ctx.addIssue({ code: 'custom', path: ['max_elapsed_time'], message: 'must not be less than initial_interval' });
    }
    if (cfg.max_elapsed_time < cfg.max_interval) {
      ctx.addIssue({ code: 'custom', path: ['max_elapsed_time'], message: 'must not be less than max_interval' });
    }
  });

export type RetryConfig = z.output<typeof retryConfigSchema>;

/** A failed export attempt. `throttleMs` is the server's requested wait (RetryInfo, Retry-After). */
export class ExportError extends ConsumerError {
  readonly throttleMs: number | undefined;
  constructor(message: string, retryable: boolean, throttleMs?: number, options?: ErrorOptions) {
    super(message, retryable, options);
    this.name = 'ExportError';
    this.throttleMs = throttleMs;
  }
}

/** Anything thrown by a send attempt: unknown errors (sockets, bugs in a peer) are retryable, as upstream. */
export function asExportError(error: unknown): ExportError {
  if (error instanceof ExportError) return error;
  if (error instanceof ConsumerError) return new ExportError(error.message, error.retryable, undefined, { cause: error });
  return new ExportError(error instanceof Error ? error.message : String(error), true, undefined, { cause: error });
}

/**
 * Exponential backoff as github.com/cenkalti/backoff, which upstream uses: each delay is drawn
 * uniformly from interval * (1 ± randomization_factor), then the interval grows by `multiplier`
 * up to `max_interval`.
 */
export class Backoff {
  readonly #cfg: RetryConfig;
  readonly #random: () => number;
  #interval: number;

  constructor(cfg: RetryConfig, random: () => number = Math.random) {
    this.#cfg = cfg;
    this.#random = random;
    this.#interval = cfg.initial_interval;
  }

  next(): number {
    const current = this.#interval;
    const delta = this.#cfg.randomization_factor * current;
    const delay = current - delta + this.#random() * 2 * delta;
    const { multiplier, max_interval: max } = this.#cfg;
    this.#interval = current >= max / multiplier ? max : current * multiplier;
    return delay;
  }
}

export type RetryPlan = { readonly retryAt: number } | { readonly giveUp: string };

/**
 * When to try again, or why not: the delay is the larger of backoff and throttle; giving up when
 * the next attempt would fall after max_elapsed_time or after the drain deadline (upstream checks
 * the context deadline the same way rather than sleeping into a cancellation).
 */
export function planRetry(opts: { now: number; backoffMs: number; throttleMs?: number; giveUpAt: number; deadline?: number }): RetryPlan {
  const retryAt = opts.now + Math.max(opts.backoffMs, opts.throttleMs ?? 0);
  if (retryAt > opts.giveUpAt) return { giveUp: 'no more retries left' };
  if (opts.deadline !== undefined && retryAt > opts.deadline) return { giveUp: 'shutting down before the next retry' };
  return { retryAt };
}

export const GrpcCode = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5,
  ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10,
  OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
} as const;

const GRPC_RETRYABLE = new Set<number>([
  GrpcCode.CANCELLED, GrpcCode.DEADLINE_EXCEEDED, GrpcCode.ABORTED, GrpcCode.OUT_OF_RANGE, GrpcCode.UNAVAILABLE, GrpcCode.DATA_LOSS,
]);

export interface Classification {
  readonly retryable: boolean;
  readonly throttleMs?: number;
}

/** RESOURCE_EXHAUSTED is retried only when the server attached RetryInfo, i.e. says it can recover. */
export function classifyGrpc(code: number, retryInfo: { delayMs: number } | undefined): Classification {
  const retryable = GRPC_RETRYABLE.has(code) || (code === GrpcCode.RESOURCE_EXHAUSTED && retryInfo !== undefined);
  if (!retryable) return { retryable };
  return retryInfo && retryInfo.delayMs > 0 ? { retryable, throttleMs: retryInfo.delayMs } : { retryable };
}

const HTTP_RETRYABLE = new Set([429, 502, 503, 504]);

/** Retry-After is honoured on 429 and 503, the OTLP/HTTP throttling responses. */
export function classifyHttp(status: number, retryAfter: string | undefined, now: number): Classification {
  if (!HTTP_RETRYABLE.has(status)) return { retryable: false };
  if ((status === 429 || status === 503) && retryAfter !== undefined) {
    const throttleMs = parseRetryAfter(retryAfter, now);
    if (throttleMs !== undefined) return { retryable: true, throttleMs };
  }
  return { retryable: true };
}

/** Retry-After is delay-seconds or an HTTP-date (RFC 9110 10.2.3); undefined when neither. */
export function parseRetryAfter(value: string, now: number): number | undefined {
  const trimmed = value.trim();
  if (/^-?\d+$/.test(trimmed)) return Math.max(0, Number(trimmed) * 1000);
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
