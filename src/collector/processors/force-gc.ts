// A handle on V8's full garbage collection, for the memory_limiter above its limits. Node only
// exposes `gc` with --expose-gc; setting that flag at run time and reading `gc` from a fresh context
// gives the same function without asking every launcher (CLI, image, tests) to pass the flag.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let cached: (() => void) | null | undefined;

export type Gc = (options?: { type?: 'major' | 'minor'; execution?: 'sync'; flavor?: 'regular' | 'last-resort' }) => void;

/**
 * A full collection whose effect is visible in process.memoryUsage() on return, or undefined when this
 * runtime refuses to expose `gc`. A mark-compact frees dead ArrayBuffers' memory on a background
 * sweeper and `external` drops only when the next GC finishes that sweep: measured after gc() alone,
 * 116 MiB of dead buffers were all still counted. A scavenge right after (under a millisecond on
 * the collector's young generation) completes it.
 */
export function garbageCollector(): (() => void) | undefined {
  if (cached === undefined) {
    const gc = exposedGc();
    cached = gc && (() => {
      gc();
      gc({ type: 'minor' });
    });
  }
  return cached ?? undefined;
}

/**
 * Once the collector has started: a memory-reducing full collection (V8's "last resort": repeated mark-compacts
 * that also shrink the young generation to its minimum and release pooled pages). Startup (module loading, config
 * validation) grows the young generation to its full semi-spaces (STARTUP_FLAGS) and leaves garbage and free pages that an idle
 * process would otherwise keep: RssAnon of an idle collector fell from 35 to 27 MiB. Under load V8 grows the
 * young generation back as data survives scavenges, as it did at start. False when `gc` is not available.
 */
export function releaseStartupMemory(): boolean {
  const gc = exposedGc();
  gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return gc !== null;
}

/** V8's `gc` function, exposed at run time; null when this runtime refuses it. */
export function exposedGc(): Gc | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as Gc;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as Gc) : null;
  } catch {
    return null;
  }
}
