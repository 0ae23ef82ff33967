// Upstream processors take Go (RE2) regular expressions and match them unanchored (regexp.MatchString).
// JavaScript's syntax covers the common subset; the Go-only spellings configs use are translated:
// a leading flag group such as (?i) or (?is) becomes RegExp flags, and (?P<name>...) becomes (?<name>...).

/** Compiles an RE2 pattern; throws with a message naming the pattern when JavaScript cannot express it. */
export function compileRe2(pattern: string): RegExp {
  let source = pattern;
  let flags = 'u';
  const leading = /^\(\?([imsU]+)\)/.exec(source);
  if (leading) {
    if (leading[1]!.includes('U')) throw new Error(`regular expression "${pattern}": the U (ungreedy) flag is not supported`);
    flags += leading[1]!;
    source = source.slice(leading[0].length);
  }
  source = source.replace(/\(\?P</g, '(?<');
  try {
    return new RegExp(source, flags);
  } catch (error) {
    throw new Error(`invalid regular expression "${pattern}": ${(error as Error).message}`);
  }
}

/** Validation message for a pattern, or undefined when it compiles. */
export function re2Problem(pattern: string): string | undefined {
  try {
    compileRe2(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
