// The pure part of the bearertokenauth extension: header values from a token file's content, and the check of
// an incoming request, as upstream's contrib extension does them.
import { timingSafeEqual } from 'node:crypto';
import type { AuthSources } from '../auth.ts';

/** Tokens of a file: per line the first whitespace-separated word; blank lines skipped. */
export function tokensFromFile(content: string): string[] {
  return content.split(/\r?\n/).map((line) => line.trim().split(/\s+/)[0]!).filter((token) => token !== '');
}

/** `scheme token`, or the bare token when the scheme is empty. */
export function headerValues(scheme: string, tokens: readonly string[]): string[] {
  return tokens.map((token) => (scheme === '' ? token : `${scheme} ${token}`));
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Undefined when the request's first value of `header` is one of `expected`; else upstream's error text. */
export function checkBearer(sources: AuthSources, header: string, expected: readonly string[]): string | undefined {
  const raw = sources[header.toLowerCase()] ?? sources[header];
  const first = typeof raw === 'string' ? raw : raw?.[0];
  if (first === undefined) return `missing or empty authorization header: ${header}`;
  return expected.some((value) => same(value, first)) ? undefined : 'provided authorization does not match expected scheme or token';
}
