import { cpuMillicores, isQuantity, memoryBytes, parseQuantity } from '../../../src/api/quantity.ts';

describe('parseQuantity', () => {
  test.each([
    ['2', 2],
    [2, 2],
    ['500m', 0.5],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['1k', 1000],
    ['1Ki', 1024],
    ['512Mi', 512 * 2 ** 20],
    ['2Gi', 2 * 2 ** 30],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['1M', 1e6],
    ['2G', 2e9],
    ['1T', 1e12],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1E', 1e18],
    ['100n', 100e-9],
  ])('%p -> %p', (input, expected) => {
    expect(parseQuantity(input)).toBeCloseTo(expected, 12);
  });

  test.each(['', 'abc', '-1', '+1', '1Gb', '1 Gi', '1.2.3', 'Gi', '1ki', '1e', '0x10'])('rejects %p', (input) => {
    expect(() => parseQuantity(input)).toThrow(/invalid quantity/);
    expect(isQuantity(input)).toBe(false);
  });

  test.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects the number %p', (input) => {
    expect(isQuantity(input)).toBe(false);
  });
});

describe('cpuMillicores', () => {
  test.each([
    ['500m', 500],
    ['2', 2000],
    [2, 2000],
    ['0.1', 100],
    ['1.5', 1500],
    ['100u', 1],
    ['250m', 250],
  ])('%p -> %p', (input, expected) => {
    expect(cpuMillicores(input)).toBe(expected);
  });
});

describe('memoryBytes', () => {
  test.each([
    ['2Gi', 2147483648],
    ['512Mi', 536870912],
    ['128M', 128000000],
    ['1500', 1500],
    ['500m', 1],
  ])('%p -> %p', (input, expected) => {
    expect(memoryBytes(input)).toBe(expected);
  });
});
