import { parseDuration } from '../../../src/contract/duration.ts';

test.each([
  ['0', 0], ['200ms', 200], ['5s', 5000], ['1m30s', 90_000], ['1.5s', 1500], ['2h', 7_200_000], ['10us', 0.01],
  ['', undefined], ['5', undefined], ['s', undefined], ['5x', undefined], ['5s garbage', undefined],
])('parseDuration(%j) = %j', (text, expected) => {
  expect(parseDuration(text)).toBe(expected);
});
