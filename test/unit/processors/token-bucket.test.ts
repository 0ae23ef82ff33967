// Go's x/time/rate token bucket (AllowN) as rate_limiting uses it, and Go's tracestate parser as trace_state uses it.
import { TokenBucket } from '../../../src/collector/processors/token-bucket.ts';
import { parseTraceState } from '../../../src/collector/processors/w3c-trace-state.ts';

describe('TokenBucket', () => {
  test.each<[string, number, number, [number, number][], boolean[]]>([
    ['starts full', 10, 5, [[0, 5], [0, 1]], [true, false]],
    ['more than the burst is never allowed', 10, 5, [[0, 6], [10_000, 6]], [false, false]],
    ['refills at the limit per second', 10, 5, [[0, 5], [100, 1], [100, 1], [300, 2]], [true, true, false, true]],
    ['a refused request takes nothing', 1, 2, [[0, 2], [0, 1], [1000, 1]], [true, false, true]],
    ['a zero limit allows the first burst only', 0, 3, [[0, 3], [5000, 1]], [false, false]],
    ['time going back refills nothing', 10, 5, [[1000, 5], [500, 1]], [true, false]],
  ])('%s', (_name, limit, burst, requests, allowed) => {
    const bucket = new TokenBucket(limit, burst);
    expect(requests.map(([now, n]) => bucket.allow(now, n))).toEqual(allowed);
  });
});

describe('parseTraceState (Go trace.ParseTraceState)', () => {
  test.each<[string, Record<string, string> | undefined]>([
    ['', {}],
    ['a=1,b=2', { a: '1', b: '2' }],
    [' \ta=1 ,,b=x y\t', { a: '1', b: 'x y' }],
    ['tenant@sys=v', { 'tenant@sys': 'v' }],
    ['1a=1', undefined],
    ['A=1', undefined],
    ['a=', undefined],
    ['a', undefined],
    ['a=1,a=2', undefined],
    ['a=x=y', undefined],
    ['a=1 ', { a: '1' }],
    [Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(','), undefined],
    [Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(','), Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v']))],
    [`t@${'s'.repeat(14)}=v`, { [`t@${'s'.repeat(14)}`]: 'v' }],
    [`t@${'s'.repeat(15)}=v`, undefined],
  ])('%j', (text, members) => {
    const parsed = parseTraceState(text);
    expect(parsed && Object.fromEntries(parsed)).toEqual(members);
  });
});
