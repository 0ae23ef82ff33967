// Keeps V8's top-tier compiler (TurboFan) out of the collector's start. Loading the collector's ~400 modules calls
// Node's module-resolution functions (path normalisation, URL parsing) thousands of times, enough for TurboFan to
// optimise a few of them; that single use maps about 5 MiB of the compiler's machine code (file pages of the node
// binary) into an idle collector, which then never runs it again. With a higher invocation count during start,
// those functions stay in the lower tiers; V8's default is back before the first request, so the request path
// tiers up as it would have (at load it maps those pages anyway).
//
// V8 reads the count whenever it resets a function's tiering budget, so setting it at run time takes effect at
// once; node accepts the flag on its command line but not in NODE_OPTIONS, hence here rather than in
// gc-tuning.ts' STARTUP_FLAGS.
import { setFlagsFromString } from 'node:v8';

const FLAG = '--invocation-count-for-turbofan';
/** V8's default (Node 22 and 24). */
const DEFAULT_COUNT = 3000;
/** High enough that no function reaches it while the collector starts. */
const STARTUP_COUNT = 100_000;

let deferred = false;

/** Raises TurboFan's threshold until restoreTiering(), unless node was started with its own value. */
export function deferTiering(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((arg) => arg.replaceAll('_', '-').startsWith(FLAG))) return;
  setFlagsFromString(`${FLAG}=${STARTUP_COUNT}`);
  deferred = true;
}

/** V8's default threshold again (a no-op unless deferTiering() raised it). */
export function restoreTiering(): void {
  if (!deferred) return;
  setFlagsFromString(`${FLAG}=${DEFAULT_COUNT}`);
  deferred = false;
}
