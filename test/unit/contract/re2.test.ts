import { compileRe2 } from '../../../src/collector/processors/re2.ts';

test.each<[string, string, boolean]>([
  ['cart', 'GET /api/cart/items', true],
  ['^cart$', 'GET /api/cart', false],
  ['(?i)^get ', 'GET /cart', true],
  ['(?P<verb>GET|POST) (?P<path>/\\w+)', 'POST /pay', true],
  ['\\d{3}', 'code 500', true],
])('RE2 %j matches %j unanchored: %p', (pattern, text, expected) => {
  expect(compileRe2(pattern).test(text)).toBe(expected);
});

test('patterns JavaScript cannot express are rejected with the pattern named', () => {
  expect(() => compileRe2('(?U)a+')).toThrow('regular expression "(?U)a+": the U (ungreedy) flag is not supported');
  expect(() => compileRe2('a(')).toThrow('invalid regular expression "a("');
});
