// The memory_limiter's check loop: measure on a timer, keep one boolean the hot path reads, force a
// garbage collection at the hard limit (and when first crossing the soft limit, rate limited).
//
// What we measure: V8 heap in use plus `external` memory (which includes every ArrayBuffer/Buffer,
// where request bodies and encoded payloads live), i.e. process.memoryUsage() heapUsed + external.
// `arrayBuffers` is a part of `external`, so it is not added again. This is the counterpart of Go's
// MemStats.Alloc that the upstream limiter reads: memory the process holds and can give back by
// dropping data and collecting garbage. RSS is what the kernel's OOM killer sees, but it lags both
// ways: V8 and the allocator keep freed pages mapped, so after a GC RSS stays high and a limiter on
// RSS would keep refusing data it could take; and it includes code, stacks and allocator slack that
// refusing data cannot shrink. That fixed overhead (about 40-60 MiB for this process) is why limits
// are set below the container limit (the operator renders 75 %, spike 25 % of that). RSS is logged
// with every state change and exported as otelcol_process_memory_rss, so the gap stays visible.
import type { Logger } from 'pino';

export const MIB = 1024 * 1024;

export interface MemoryLimits {
  /** Hard limit in bytes. */
  readonly limit: number;
  /** Expected growth between two checks; the soft limit is limit - spike. */
  readonly spike: number;
}

export interface MemoryProbe {
  /** Bytes in use as defined above. */
  used(): number;
  /** Full collection; false when unavailable. */
  collect(): boolean;
  now(): number;
}

export interface GcIntervals {
  readonly softMs: number;
  readonly hardMs: number;
}

export function processUsage(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

export class MemoryMonitor {
  #refusing = false;
  #lastGc = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #gcMissingLogged = false;
  readonly #limits: MemoryLimits;
  readonly #gc: GcIntervals;
  readonly #probe: MemoryProbe;
  readonly #logger: Logger;

  constructor(limits: MemoryLimits, gc: GcIntervals, probe: MemoryProbe, logger: Logger) {
    this.#limits = limits;
    this.#gc = gc;
    this.#probe = probe;
    this.#logger = logger;
  }

  /** Read on every request: a field load, nothing more. */
  get refusing(): boolean {
    return this.#refusing;
  }

  start(intervalMs: number): void {
    this.check();
    this.#timer = setInterval(() => this.check(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  check(): void {
    const { limit, spike } = this.#limits;
    const soft = limit - spike;
    let used = this.#probe.used();
    if (used >= limit && this.#probe.now() - this.#lastGc > this.#gc.hardMs) {
      this.#logger.warn(this.#fields(used), 'Memory usage is above hard limit. Forcing a GC.');
      used = this.#collect(used);
    }
    const was = this.#refusing;
    let must = used >= soft;
    if (was && !must) this.#logger.info(this.#fields(used), 'Memory usage back within limits. Resuming normal operation.');
    if (!was && must) {
      if (this.#probe.now() - this.#lastGc > this.#gc.softMs) {
        this.#logger.info(this.#fields(used), 'Memory usage is above soft limit. Forcing a GC.');
        used = this.#collect(used);
        must = used >= soft;
      }
      if (must) this.#logger.warn(this.#fields(used), 'Memory usage is above soft limit. Refusing data.');
    }
    this.#refusing = must;
  }

  #collect(before: number): number {
    if (!this.#probe.collect()) {
      if (!this.#gcMissingLogged) this.#logger.warn('garbage collection cannot be forced in this runtime; relying on V8');
      this.#gcMissingLogged = true;
      return before;
    }
    this.#lastGc = this.#probe.now();
    const after = this.#probe.used();
    this.#logger.info(this.#fields(after), 'Memory usage after GC.');
    return after;
  }

  #fields(used: number): Record<string, number> {
    return { cur_mem_mib: Math.round(used / MIB), rss_mib: Math.round(process.memoryUsage.rss() / MIB) };
  }
}
