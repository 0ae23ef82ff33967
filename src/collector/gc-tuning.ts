// V8 garbage-collection policy for the collector process, applied at the start of `tpo collector`.
//
// Request and batch bodies live in ArrayBuffers outside the V8 heap. By default V8 starts a full
// mark-compact whenever external memory has grown by a fixed step since the last one, so at a
// hundred MB/s of request buffers the collector ran 10-20 mark-compacts a second: 55 % of its CPU
// was garbage collection (node --cpu-prof, bench/collector scenario a). Accounting external memory
// in V8's global (heap + external) limit instead lets that limit grow with the live size like the
// heap's own, and short-lived buffers die in scavenges. The price is more garbage between full
// collections; memory_limiter compensates by forcing collections itself (memory-monitor.ts).
//
// Set at run time rather than on the node command line so that every launcher (dev `tpo collector`,
// the image, tests) gets it: the flag is not allowed in NODE_OPTIONS, and V8 reads it on every
// limit computation, so setting it before the first request is as good as passing it to node.
import { setFlagsFromString } from 'node:v8';

//
// `--heap-growing-percent=100` fixes the factor by which V8 lets the heap (and, with the flag above, heap plus
// external memory) grow past what the last full collection left: twice the live size. V8's own factor starts
// near 1.1 for a heap as small as the collector's (16-20 MB live), so at a fixed 50k spans/s the 25-50 MB/s of
// short-lived request buffers reached that limit three times a second, each time a full mark-compact of the
// whole heap ([IncrementalMarking] Start (global allocation limit), --trace-incremental-marking). With the
// fixed factor the collector spent 7-24 % less CPU per span at 20k-100k spans/s (bench/collector fixed-rate);
// the memory_limiter's own pacing still bounds what the doubled limit may hold.
export const GC_FLAGS = ['--external-memory-accounted-in-global-limit', '--heap-growing-percent=100'] as const;

/**
 * V8 flags read only when the process starts, so they go on node's command line or in NODE_OPTIONS (the operator
 * renders them into every collector pod; `tpo collector` started without them runs, with more memory).
 * `--max-semi-space-size=2` caps the young generation at 2 MiB per semi-space instead of V8's 16 MiB: the
 * collector's short-lived request buffers are freed by more frequent scavenges, and the V8 heap stays small. At
 * fixed rates (bench/collector, 20k-100k spans/s) 4 MiB took steady RSS from 210-255 to 126-150 MiB for 10-40 %
 * more CPU per span; with the fixed heap-growing factor of GC_FLAGS, 2 MiB holds RSS there for less CPU than
 * 4 MiB without it (1 MiB cost more CPU again).
 */
export const STARTUP_FLAGS = ['--max-semi-space-size=2'] as const;

/**
 * glibc malloc settings, read only when the process starts: the image sets them (Dockerfile ENV, checked against
 * this list by test/unit/install/chart-files.test.ts) and bench/collector passes them to ours. ArrayBuffer memory
 * (request, slab and export buffers) comes from malloc. glibc raises its mmap threshold after the first large block
 * is freed, so 64 KiB-1 MiB buffers then come from its arenas, which keep freed memory instead of returning it, one
 * arena per thread that frees (V8 frees dead buffers on its background sweeper threads). A fixed threshold gives
 * every buffer from 128 KiB up its own mapping, returned when freed, and two arenas bound the rest. At fixed rates
 * (bench/collector, same runs, request data dying young) steady RSS was 103-109 against 118-121 MiB at 50k spans/s
 * and 120 against 143 MiB with an attributes processor, the same at 20k, for CPU per span within the noise.
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' };

/** Applies GC_FLAGS to this process unless COLLECTOR_DEFAULT_GC is set (to compare with V8's default policy). */
export function tuneGarbageCollection(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  if (env.COLLECTOR_DEFAULT_GC) return [];
  for (const flag of GC_FLAGS) setFlagsFromString(flag);
  return GC_FLAGS;
}
