import pino from 'pino';
import type { Payload } from '../../../src/collector/component.ts';
import { isRetryable } from '../../../src/collector/errors.ts';
import { memoryLimiterConfigSchema, memoryLimiterProcessorFactory, memoryLimits } from '../../../src/collector/processors/memory-limiter.ts';
import { MemoryMonitor, MIB, pacingStep, type MemoryProbe } from '../../../src/collector/processors/memory-monitor.ts';
import { candidateFiles, cgroupMemoryLimit, totalMemory } from '../../../src/collector/processors/total-memory.ts';
import { Telemetry } from '../../../src/collector/telemetry.ts';

const logger = pino({ level: 'silent' });
const config = (input: object) => memoryLimiterConfigSchema.parse({ check_interval: '1s', ...input });

describe('limits', () => {
  test.each([
    [{ limit_mib: 1000 }, 1000, 200],
    [{ limit_mib: 1536, spike_limit_mib: 384 }, 1536, 384],
    [{ limit_percentage: 75, spike_limit_percentage: 25 }, 1536, 512],
    [{ limit_percentage: 50 }, 1024, 204.8],
    [{ limit_mib: 100, limit_percentage: 50 }, 100, 20],
  ])('%j of a 2 GiB container', (input, limitMib, spikeMib) => {
    const limits = memoryLimits(config(input), () => 2048 * MIB);
    expect(limits.limit / MIB).toBeCloseTo(limitMib);
    expect(limits.spike / MIB).toBeCloseTo(spikeMib);
  });
});

describe('total memory', () => {
  const files = (map: Record<string, string>) => (path: string) => map[path];

  test('cgroup v2 limit of the process cgroup', () => {
    const read = files({ '/proc/self/cgroup': '0::/kubepods/pod1/c1\n', '/sys/fs/cgroup/kubepods/pod1/c1/memory.max': '2147483648\n' });
    expect(cgroupMemoryLimit(read)).toBe(2 * 1024 * MIB);
    expect(totalMemory(read, 16 * 1024 * MIB)).toBe(2 * 1024 * MIB);
  });

  test('cgroup v2 namespace root, "max" means no limit', () => {
    expect(cgroupMemoryLimit(files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': '536870912' }))).toBe(512 * MIB);
    expect(totalMemory(files({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/memory.max': 'max' }), 8 * MIB)).toBe(8 * MIB);
  });

  test('cgroup v1, with the huge "unlimited" value', () => {
    const proc = '4:memory:/docker/abc\n0::/\n';
    expect(candidateFiles(proc)[0]).toBe('/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes');
    expect(cgroupMemoryLimit(files({ '/proc/self/cgroup': proc, '/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes': '1073741824' }))).toBe(1024 * MIB);
    expect(cgroupMemoryLimit(files({ '/proc/self/cgroup': proc, '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' }))).toBeUndefined();
  });

  test('a limit above the machine memory is capped by it', () => {
    expect(totalMemory(files({ '/sys/fs/cgroup/memory.max': String(64 * 1024 * MIB) }), 4 * 1024 * MIB)).toBe(4 * 1024 * MIB);
  });
});

class FakeProbe implements MemoryProbe {
  usage = 0;
  afterGc: number | undefined;
  gcs = 0;
  clock = 0;
  used(): number {
    return this.usage * MIB;
  }
  collect(): boolean {
    this.gcs++;
    if (this.afterGc !== undefined) this.usage = this.afterGc;
    return true;
  }
  now(): number {
    return this.clock;
  }
}

describe('MemoryMonitor (limit 100 MiB, spike 20 MiB)', () => {
  const setup = (softMs = 10_000, hardMs = 0) => {
    const probe = new FakeProbe();
    const monitor = new MemoryMonitor({ limit: 100 * MIB, spike: 20 * MIB }, { softMs, hardMs }, probe, logger);
    return { probe, monitor };
  };

  test('below the soft limit it accepts', () => {
    const { probe, monitor } = setup();
    probe.usage = 79;
    monitor.check();
    expect(monitor.refusing).toBe(false);
  });

  test('crossing the soft limit tries one GC first, then refuses if still above', () => {
    const { probe, monitor } = setup();
    probe.clock = 20_000;
    probe.usage = 85;
    monitor.check();
    expect(probe.gcs).toBe(1);
    expect(monitor.refusing).toBe(true);
  });

  test('a GC that frees enough avoids refusing', () => {
    const { probe, monitor } = setup();
    probe.clock = 20_000;
    probe.usage = 85;
    probe.afterGc = 50;
    monitor.check();
    expect(monitor.refusing).toBe(false);
  });

  test('soft-limit GCs are rate limited', () => {
    const { probe, monitor } = setup();
    probe.clock = 20_000;
    probe.usage = 85;
    monitor.check();
    probe.usage = 70;
    monitor.check();
    expect(monitor.refusing).toBe(false);
    probe.usage = 85;
    probe.clock = 25_000;
    monitor.check();
    expect(probe.gcs).toBe(1);
    expect(monitor.refusing).toBe(true);
  });

  test('above the hard limit it forces a GC every check and refuses', () => {
    const { probe, monitor } = setup();
    probe.usage = 120;
    monitor.check();
    probe.clock = 1;
    monitor.check();
    expect(probe.gcs).toBe(2);
    expect(monitor.refusing).toBe(true);
  });

  test('above the soft limit, growth of a quarter of the spike since the last GC forces another (garbage buffers)', () => {
    const { probe, monitor } = setup(10_000, 50);
    probe.clock = 20_000;
    probe.usage = 85;
    monitor.check(); // first crossing: upstream's GC
    probe.usage = 89; // +4 MiB: not worth a GC
    probe.clock = 20_100;
    monitor.check();
    expect(probe.gcs).toBe(1);
    probe.usage = 95; // +10 MiB >= 20 / 4
    probe.afterGc = 86;
    monitor.check();
    expect(probe.gcs).toBe(2);
    expect(monitor.refusing).toBe(true);
    probe.usage = 95; // +9 MiB, but within min_gc_interval_when_hard_limited of the last GC
    probe.clock = 20_140;
    monitor.check();
    expect(probe.gcs).toBe(2);
  });

  test('growth by the pacing step since the last forced GC forces one: twice the live size after it, at least 32 MiB, at most a quarter of the spike', () => {
    const probe = new FakeProbe();
    const monitor = new MemoryMonitor({ limit: 1000 * MIB, spike: 200 * MIB }, { softMs: 10_000, hardMs: 0 }, probe, logger);
    const at = (usage: number, afterGc?: number) => {
      probe.usage = usage;
      probe.afterGc = afterGc;
      probe.clock++;
      monitor.check();
      return probe.gcs;
    };
    expect(at(31)).toBe(0); // the step is 32 MiB while nothing was measured after a GC
    expect(at(32, 12)).toBe(1);
    expect(at(43)).toBe(1); // +31 since the GC: under the 32 MiB floor
    expect(at(44, 20)).toBe(2);
    expect(at(59)).toBe(2); // +39: twice the live size (40) is the step
    expect(at(60, 30)).toBe(3);
    expect(at(79)).toBe(3); // +49: a quarter of the spike (50) caps the step
    expect(at(80)).toBe(4);
    expect(monitor.refusing).toBe(false);
  });

  test.each([[0, 32], [12, 32], [20, 40], [24.5, 49], [400, 50]])('pacing step after a GC that left %d MiB: %d MiB (spike 200)', (live, step) => {
    expect(pacingStep(live * MIB, 200 * MIB) / MIB).toBe(step);
  });

  test('request bytes trigger a check once half the pacing step arrived since the last one', () => {
    const { probe, monitor } = setup(); // step: a quarter of the 20 MiB spike
    probe.usage = 90;
    monitor.arrived(2 * MIB);
    expect(monitor.refusing).toBe(false);
    monitor.arrived(1 * MIB);
    expect(monitor.refusing).toBe(true);
    probe.usage = 50;
    monitor.arrived(2 * MIB); // counting restarted at the check
    expect(monitor.refusing).toBe(true);
  });

  test('it resumes once usage is back under the soft limit', () => {
    const { probe, monitor } = setup();
    probe.usage = 120;
    monitor.check();
    expect(monitor.refusing).toBe(true);
    probe.usage = 60;
    monitor.check();
    expect(monitor.refusing).toBe(false);
  });
});

describe('processor', () => {
  const payload: Payload = { signal: 'traces', resources: [], items: 7, bytes: 0 };

  test('passes data on while memory is fine and refuses (retryable) above the limit, counting refused items', async () => {
    const telemetry = new Telemetry();
    const seen: Payload[] = [];
    const ctx = { id: 'memory_limiter', type: 'memory_limiter', logger, telemetry };
    const generous = memoryLimiterProcessorFactory.create(ctx, config({ limit_mib: 1_000_000 }), 'traces', { consume: (p) => void seen.push(p) });
    await generous.start!();
    await generous.consume(payload);
    await generous.shutdown!(Date.now());
    expect(seen).toHaveLength(1);

    const tiny = memoryLimiterProcessorFactory.create({ ...ctx, id: 'memory_limiter/tiny' }, config({ limit_mib: 2, spike_limit_mib: 1 }), 'traces', { consume: (p) => void seen.push(p) });
    await tiny.start!();
    const error = await Promise.resolve(tiny.consume(payload)).then(() => undefined, (e: unknown) => e);
    await tiny.shutdown!(Date.now());
    expect(isRetryable(error)).toBe(true);
    expect(seen).toHaveLength(1);
    expect(await telemetry.metrics()).toContain('otelcol_processor_refused_spans{processor="memory_limiter/tiny"} 7');
  });
});
