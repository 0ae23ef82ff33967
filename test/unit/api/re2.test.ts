import { regexProblem } from '../../../src/api/re2.ts';

test.each([
  ['internal\\..*', undefined],
  ['(?i)^debug', undefined],
  ['(?P<key>[a-z]+)', undefined],
  ['(?<key>[a-z]+)', undefined],
  ['foo(?=bar)', 'lookarounds'],
  ['(?<!x)y', 'lookarounds'],
  ['(a)\\1', 'back-references'],
  ['([a-z', 'invalid regular expression'],
])('regexProblem(%j)', (pattern, problem) => {
  const found = regexProblem(pattern);
  if (problem === undefined) expect(found).toBeUndefined();
  else expect(found).toContain(problem);
});
