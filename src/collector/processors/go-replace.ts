// Go's Regexp.ReplaceAllStringFunc on an RE2 pattern: successive non-overlapping matches, an empty match right
// after a previous match ignored (so `.*` replaces "abc" once, where Java's replaceAll would replace twice).
import type { Re2 } from '../../contract/re2.ts';

export function replaceAllFunc(re: Re2, text: string, replace: (match: string) => string): string {
  const matcher = re.matcher(text);
  let out = '';
  let lastEnd = 0;
  let search = 0;
  while (search <= text.length && matcher.find(search)) {
    const start = matcher.start();
    const end = matcher.end();
    out += text.slice(lastEnd, start);
    if (end > lastEnd || start === 0) out += replace(text.slice(start, end));
    lastEnd = end;
    const code = text.codePointAt(search);
    const width = code !== undefined && code > 0xffff ? 2 : 1;
    if (search + width > end) search += width;
    else if (search + 1 > end) search++;
    else search = end;
  }
  return out + text.slice(lastEnd);
}
