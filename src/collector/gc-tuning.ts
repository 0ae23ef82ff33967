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

/** jemalloc as the image installs it: Debian's package, linked at one path on every architecture (Dockerfile). */
export const JEMALLOC = { package: 'libjemalloc2', imagePath: '/usr/local/lib/libjemalloc.so.2' } as const;

/**
 * The allocator, chosen when the process starts: the image preloads jemalloc with these settings (Dockerfile ENV,
 * checked against this list by test/unit/install/chart-files.test.ts; test/integration/image-build.test.ts checks
 * that node in the image maps it), and bench/collector runs ours the same way. ArrayBuffer memory (socket reads,
 * receive slabs, export buffers) comes from malloc, and under overload it reaches hundreds of MiB. glibc's malloc
 * took Node's 64 KiB socket-read buffers from its main heap, which it can only shrink from the top, so after a
 * burst the process kept its peak: at 100k spans/s after a saturation phase (bench/collector scenario a) RSS stayed
 * at 520-630 MiB for 25-50 MiB in use, against 181-184 MiB for upstream. A lower glibc mmap threshold (64 KiB) gave
 * the memory back but cost 35 % of the saturation throughput (a mapping and its page faults per read). jemalloc
 * gives dirty pages back after dirty_decay_ms: 186-191 MiB there, and 12-26 % less CPU per span at saturation than
 * glibc (scenarios a and c; b within 4 %).
 * One arena and no thread caches keep an idle collector within 2-3 MiB of glibc's footprint (5-8 MiB more with
 * jemalloc's defaults).
 */
export const ALLOCATOR_ENV: Readonly<Record<string, string>> = {
  LD_PRELOAD: JEMALLOC.imagePath,
  MALLOC_CONF: 'narenas:1,tcache:false,dirty_decay_ms:1000,muzzy_decay_ms:0',
};

/** Applies GC_FLAGS to this process unless COLLECTOR_DEFAULT_GC is set (to compare with V8's default policy). */
export function tuneGarbageCollection(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  if (env.COLLECTOR_DEFAULT_GC) return [];
  for (const flag of GC_FLAGS) setFlagsFromString(flag);
  return GC_FLAGS;
}
