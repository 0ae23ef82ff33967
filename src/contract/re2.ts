// Regular expressions with RE2 semantics, the one engine of the API's validation and the collector. The
// upstream collector, the Kubernetes API server's `pattern` and CEL all use Go's regexp (RE2 syntax, matching
// in time linear in the input); re2js is a pure JavaScript port of it (via RE2/J) with the same syntax, the same
// error texts and the same guarantee, so a pattern accepted here is accepted there and no input can make a
// match backtrack. Matching is unanchored, as Go's MatchString.
import { RE2JS, RE2JSException } from 're2js';

export type Re2 = RE2JS;

export class Re2Error extends Error {}

/** Compiles an RE2 pattern; throws Re2Error naming the pattern and Go's reason ("missing closing ]: `[a`"). */
export function compileRe2(pattern: string): Re2 {
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    throw new Re2Error(`invalid regular expression "${pattern}": ${error.message}`);
  }
}

/** Validation message for a pattern, or undefined when it compiles. */
export function re2Problem(pattern: string): string | undefined {
  try {
    compileRe2(pattern);
    return undefined;
  } catch (error) {
    if (error instanceof Re2Error) return error.message;
    throw error;
  }
}
