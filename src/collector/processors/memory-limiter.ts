// memory_limiter processor (upstream semantics): refuse data while memory is above the soft limit so
// clients back off and retry, force a GC above the hard limit (and, unlike upstream, when garbage
// buffers pile up above the soft limit: memory-monitor.ts). Put it first in every pipeline.
// Measurement and the choice of what to measure: memory-monitor.ts.
import { z } from 'zod';
import type { ComponentContext, Consumer, Lifecycle, Payload, ProcessorFactory, Signal } from '../component.ts';
import { duration } from '../config/duration.ts';
import { refused } from '../errors.ts';
import { garbageCollector } from './force-gc.ts';
import { MemoryMonitor, MIB, processUsage, type MemoryLimits } from './memory-monitor.ts';
import { totalMemory } from './total-memory.ts';

const count = z.number().int().min(0);

export const memoryLimiterConfigSchema = z
  .strictObject({
    check_interval: duration.default(0),
    limit_mib: count.default(0),
    spike_limit_mib: count.default(0),
    limit_percentage: count.default(0),
    spike_limit_percentage: count.default(0),
    min_gc_interval_when_soft_limited: duration.default(10_000),
    min_gc_interval_when_hard_limited: duration.default(0),
  })
  .superRefine((config, ctx) => {
    const fail = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (config.check_interval <= 0) fail('check_interval', 'must be greater than zero');
    if (config.min_gc_interval_when_soft_limited < config.min_gc_interval_when_hard_limited) {
      fail('min_gc_interval_when_soft_limited', 'must be at least min_gc_interval_when_hard_limited');
    }
    if (config.limit_mib === 0 && config.limit_percentage === 0) fail('limit_mib', 'one of limit_mib or limit_percentage must be greater than zero');
    if (config.limit_percentage > 100) fail('limit_percentage', 'must not exceed 100');
    if (config.spike_limit_percentage > 100) fail('spike_limit_percentage', 'must not exceed 100');
    if (config.limit_mib > 0 && config.limit_mib <= config.spike_limit_mib) fail('spike_limit_mib', 'must be smaller than limit_mib');
    if (config.limit_percentage > 0 && config.limit_percentage <= config.spike_limit_percentage) {
      fail('spike_limit_percentage', 'must be smaller than limit_percentage');
    }
  });

export type MemoryLimiterConfig = z.output<typeof memoryLimiterConfigSchema>;

/** Limits in bytes; the spike defaults to 20 % of the limit. Percentages are of the container's memory. */
export function memoryLimits(config: MemoryLimiterConfig, total: () => number = () => totalMemory()): MemoryLimits {
  if (config.limit_mib > 0) {
    const limit = config.limit_mib * MIB;
    return { limit, spike: config.spike_limit_mib > 0 ? config.spike_limit_mib * MIB : limit / 5 };
  }
  const available = total();
  const limit = Math.floor((config.limit_percentage * available) / 100);
  const spike = Math.floor((config.spike_limit_percentage * available) / 100);
  return { limit, spike: spike > 0 ? spike : limit / 5 };
}

interface Shared {
  readonly monitor: MemoryMonitor;
  users: number;
}

// Pipelines naming the same memory_limiter id share one monitor, as upstream; the validated config
// object is the same for all of them, so it identifies the component.
const shared = new WeakMap<MemoryLimiterConfig, Shared>();

function acquire(ctx: ComponentContext, config: MemoryLimiterConfig): Shared {
  let entry = shared.get(config);
  if (!entry) {
    const limits = memoryLimits(config);
    const gc = garbageCollector();
    const probe = { used: processUsage, now: () => performance.now(), collect: () => (gc ? (gc(), true) : false) };
    const intervals = { softMs: config.min_gc_interval_when_soft_limited, hardMs: config.min_gc_interval_when_hard_limited };
    entry = { monitor: new MemoryMonitor(limits, intervals, probe, ctx.logger), users: 0 };
    shared.set(config, entry);
    // The container's memory (cgroup limit, else the machine's) beside the limits, so an operator sees whether the
    // configured limit fits the container it runs in.
    const totalMiB = Math.round(totalMemory() / MIB);
    ctx.logger.info(
      { limit_mib: Math.round(limits.limit / MIB), spike_limit_mib: Math.round(limits.spike / MIB), check_interval_ms: config.check_interval, total_memory_mib: totalMiB },
      'Memory limiter configured',
    );
    if (limits.limit > totalMiB * MIB) {
      ctx.logger.warn({ limit_mib: Math.round(limits.limit / MIB), total_memory_mib: totalMiB }, 'memory_limiter limit is above the memory available to the collector: the kernel will kill it before the limiter acts');
    }
  }
  return entry;
}

export const memoryLimiterProcessorFactory: ProcessorFactory<MemoryLimiterConfig> = {
  type: 'memory_limiter',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: memoryLimiterConfigSchema,
  create(ctx: ComponentContext, config: MemoryLimiterConfig, signal: Signal, next: Consumer): Consumer & Lifecycle {
    const entry = acquire(ctx, config);
    const { monitor } = entry;
    const metrics = ctx.telemetry.memoryLimiter(ctx.id);
    return {
      consume(payload: Payload) {
        monitor.arrived(payload.bytes);
        if (monitor.refusing) {
          metrics.refused(signal, payload.items);
          return Promise.reject(refused('data refused due to high memory usage'));
        }
        metrics.accepted(signal, payload.items);
        return next.consume(payload);
      },
      async start() {
        if (entry.users++ === 0) monitor.start(config.check_interval);
      },
      async shutdown() {
        if (--entry.users === 0) monitor.stop();
      },
    };
  },
};
