// A handle on V8's full garbage collection, for the memory_limiter above its hard limit. Node only
// exposes `gc` with --expose-gc; setting that flag at run time and reading `gc` from a fresh context
// gives the same function without asking every launcher (CLI, image, tests) to pass the flag.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let cached: (() => void) | null | undefined;

/** The full-GC function, or undefined when this runtime refuses to expose it. */
export function garbageCollector(): (() => void) | undefined {
  if (cached === undefined) cached = resolve();
  return cached ?? undefined;
}

function resolve(): (() => void) | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}
