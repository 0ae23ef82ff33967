import { compileRe2, re2Problem } from '../../../src/contract/re2.ts';

test.each<[string, string, boolean]>([
  ['cart', 'GET /api/cart/items', true],
  ['^cart$', 'GET /api/cart', false],
  ['(?i)^get ', 'GET /cart', true],
  ['(?P<verb>GET|POST) (?P<path>/\\w+)', 'POST /pay', true],
  ['(?<verb>GET|POST)', 'POST /pay', true],
  ['\\d{3}', 'code 500', true],
  // RE2 spellings JavaScript's RegExp rejects or reads differently.
  ['^a\\z', 'a', true],
  ['^a\\z', 'a\n', false],
  ['\\Qa.b\\E', 'xa.by', true],
  ['\\Qa.b\\E', 'xaxby', false],
  ['^[[:digit:]]+$', '2024', true],
  ['a(?i)b', 'aB', true],
  ['a(?i)b', 'AB', false],
  ['^\\p{Greek}+$', 'αβγ', true],
  ['(?U)a+', 'aaa', true],
  ['(?s)^a.b$', 'a\nb', true],
  ['^a.b$', 'a\nb', false],
  ['^.$', '😀', true],
])('RE2 %j matches %j unanchored: %p', (pattern, text, expected) => {
  expect(compileRe2(pattern).test(text)).toBe(expected);
});

test.each<[string, string]>([
  ['(a)\\1', 'invalid escape sequence: `\\1`'],
  ['foo(?=bar)', 'invalid or unsupported Perl syntax: `(?=`'],
  ['foo(?!bar)', 'invalid or unsupported Perl syntax: `(?!`'],
  ['(?<=x)y', 'invalid named capture: `(?<=x)y`'],
  ['(?<!x)y', 'invalid named capture: `(?<!x)y`'],
  ['\\Z', 'invalid escape sequence: `\\Z`'],
  ['x{1001}', 'invalid repeat count: `{1001}`'],
  ['a**', 'invalid nested repetition operator: `**`'],
  ['a(', 'missing closing ): `a(`'],
])('%j is not RE2; the message names it with Go\'s reason', (pattern, reason) => {
  expect(re2Problem(pattern)).toBe(`invalid regular expression "${pattern}": error parsing regexp: ${reason}`);
  expect(() => compileRe2(pattern)).toThrow(reason);
});

test('matching is linear: (a+)+$ against values that make a backtracking engine explode', () => {
  const regex = compileRe2('(a+)+$');
  // JavaScript's RegExp took about 1.5 s for the 25-character value (issue 12) and doubles per character.
  for (const length of [25, 30, 10_000]) {
    const value = `${'a'.repeat(length)}!`;
    const started = performance.now();
    expect(regex.test(value)).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  }
});
