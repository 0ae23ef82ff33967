// Regular expressions in the API are evaluated by Go's RE2 (the API server's `pattern`, the upstream collector)
// and by our collector, which translates RE2's spellings to JavaScript. Only what both accept is allowed.
import { re2Problem } from '../collector/processors/re2.ts';

// Lookarounds and back-references compile in JavaScript but RE2 rejects them.
const JS_ONLY = /\(\?<?[=!]|\\[1-9]/;

/** Why the expression is not usable by both engines, or undefined when it is. */
export function regexProblem(pattern: string): string | undefined {
  if (JS_ONLY.test(pattern)) return 'lookarounds and back-references are not supported (RE2 syntax)';
  return re2Problem(pattern);
}
