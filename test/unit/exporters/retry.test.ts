import { Backoff, classifyGrpc, classifyHttp, GrpcCode, parseRetryAfter, planRetry, retryConfigSchema } from '../../../src/collector/exporters/retry.ts';
import { decodeRpcStatus } from '../../../src/collector/exporters/rpc-status.ts';
import { encodeRpcStatus } from '../../support/rpc-status-encode.ts';

describe('retry_on_failure config', () => {
  test('defaults are upstream configretry defaults', () => {
    expect(retryConfigSchema.parse({})).toEqual({
      enabled: true, initial_interval: 5_000, randomization_factor: 0.5, multiplier: 1.5, max_interval: 30_000, max_elapsed_time: 300_000,
    });
  });

  test.each([
    [{ initial_interval: '1s', max_interval: '10s', max_elapsed_time: '0' }, { initial_interval: 1000, max_interval: 10_000, max_elapsed_time: 0 }],
    [{ max_elapsed_time: '10m' }, { max_elapsed_time: 600_000 }],
    [{ enabled: false, max_elapsed_time: '1s' }, { enabled: false, max_elapsed_time: 1000 }],
  ])('parses %j', (input, expected) => {
    expect(retryConfigSchema.parse(input)).toMatchObject(expected);
  });

  test.each([
    [{ randomization_factor: 1.5 }, 'randomization_factor'],
    [{ multiplier: -1 }, 'multiplier'],
    [{ initial_interval: 'soon' }, 'initial_interval'],
    [{ max_elapsed_time: '10s', max_interval: '30s' }, 'max_elapsed_time'],
    [{ max_elapsed_time: '1s' }, 'max_elapsed_time'],
    [{ retries: 3 }, ''],
  ])('rejects %j at %s', (input, path) => {
    const result = retryConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('Backoff', () => {
  const cfg = retryConfigSchema.parse({});

  test('without jitter: 5s, 7.5s, 11.25s, 16.875s, 25.3125s, then capped at 30s', () => {
    const backoff = new Backoff({ ...cfg, randomization_factor: 0 });
    expect(Array.from({ length: 8 }, () => backoff.next())).toEqual([5000, 7500, 11250, 16875, 25312.5, 30000, 30000, 30000]);
  });

  test.each([
    [0, 2500],
    [0.5, 5000],
    [1, 7500],
  ])('random %d spreads the first delay over interval ± 50%% -> %d', (random, expected) => {
    expect(new Backoff(cfg, () => random).next()).toBe(expected);
  });

  test('jitter stays within ±randomization_factor of the interval at every step', () => {
    const low = new Backoff(cfg, () => 0);
    const high = new Backoff(cfg, () => 1);
    const plain = new Backoff({ ...cfg, randomization_factor: 0 });
    for (let i = 0; i < 10; i++) {
      const interval = plain.next();
      expect(low.next()).toBeCloseTo(interval * 0.5);
      expect(high.next()).toBeCloseTo(interval * 1.5);
    }
  });
});

describe('planRetry', () => {
  test.each([
    ['backoff only', { now: 0, backoffMs: 5000, giveUpAt: Infinity }, { retryAt: 5000 }],
    ['throttle longer than backoff wins', { now: 0, backoffMs: 5000, throttleMs: 12_000, giveUpAt: Infinity }, { retryAt: 12_000 }],
    ['backoff longer than throttle wins', { now: 0, backoffMs: 5000, throttleMs: 1000, giveUpAt: Infinity }, { retryAt: 5000 }],
    ['next attempt after max_elapsed_time', { now: 299_000, backoffMs: 5000, giveUpAt: 300_000 }, { giveUp: 'no more retries left' }],
    ['exactly at max_elapsed_time still retries', { now: 295_000, backoffMs: 5000, giveUpAt: 300_000 }, { retryAt: 300_000 }],
    ['after the drain deadline', { now: 0, backoffMs: 5000, giveUpAt: Infinity, deadline: 3000 }, { giveUp: 'shutting down before the next retry' }],
    ['before the drain deadline', { now: 0, backoffMs: 2000, giveUpAt: Infinity, deadline: 3000 }, { retryAt: 2000 }],
  ])('%s', (_name, input, expected) => {
    expect(planRetry(input)).toEqual(expected);
  });
});

describe('gRPC classification', () => {
  const retryable = ['CANCELLED', 'DEADLINE_EXCEEDED', 'ABORTED', 'OUT_OF_RANGE', 'UNAVAILABLE', 'DATA_LOSS'] as const;
  const permanent = ['UNKNOWN', 'INVALID_ARGUMENT', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'FAILED_PRECONDITION', 'UNIMPLEMENTED', 'INTERNAL', 'UNAUTHENTICATED'] as const;

  test.each(retryable)('%s is retryable', (name) => {
    expect(classifyGrpc(GrpcCode[name], undefined)).toEqual({ retryable: true });
  });

  test.each(permanent)('%s is permanent, even with RetryInfo', (name) => {
    expect(classifyGrpc(GrpcCode[name], { delayMs: 1000 })).toEqual({ retryable: false });
  });

  test.each([
    ['RESOURCE_EXHAUSTED without RetryInfo is permanent', GrpcCode.RESOURCE_EXHAUSTED, undefined, { retryable: false }],
    ['RESOURCE_EXHAUSTED with RetryInfo is throttled', GrpcCode.RESOURCE_EXHAUSTED, { delayMs: 3000 }, { retryable: true, throttleMs: 3000 }],
    ['RESOURCE_EXHAUSTED with a zero RetryInfo is retryable without throttle', GrpcCode.RESOURCE_EXHAUSTED, { delayMs: 0 }, { retryable: true }],
    ['UNAVAILABLE with RetryInfo is throttled', GrpcCode.UNAVAILABLE, { delayMs: 1500 }, { retryable: true, throttleMs: 1500 }],
  ])('%s', (_name, code, info, expected) => {
    expect(classifyGrpc(code, info)).toEqual(expected);
  });
});

describe('HTTP classification', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  test.each([
    [429, undefined, { retryable: true }],
    [502, undefined, { retryable: true }],
    [503, undefined, { retryable: true }],
    [504, undefined, { retryable: true }],
    [429, '7', { retryable: true, throttleMs: 7000 }],
    [503, 'Wed, 01 Jan 2025 00:00:30 GMT', { retryable: true, throttleMs: 30_000 }],
    [502, '7', { retryable: true }],
    [503, 'whenever', { retryable: true }],
    [400, undefined, { retryable: false }],
    [401, undefined, { retryable: false }],
    [403, undefined, { retryable: false }],
    [404, undefined, { retryable: false }],
    [413, undefined, { retryable: false }],
    [500, undefined, { retryable: false }],
    [501, undefined, { retryable: false }],
  ])('%d with Retry-After %j', (status, retryAfter, expected) => {
    expect(classifyHttp(status, retryAfter, now)).toEqual(expected);
  });

  test.each([
    ['0', 0],
    ['120', 120_000],
    [' 3 ', 3000],
    ['-5', 0],
    ['Wed, 01 Jan 2025 00:01:00 GMT', 60_000],
    ['Tue, 31 Dec 2024 23:59:00 GMT', 0],
    ['1.5', undefined],
    ['2025-01-01T00:01:00Z', undefined],
    ['', undefined],
  ])('Retry-After %j -> %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('google.rpc.Status', () => {
  test.each([
    [{ code: 14, message: 'down' }, { code: 14, message: 'down' }],
    [{ code: 8, retryDelayMs: 2500 }, { code: 8, message: '', retryInfo: { delayMs: 2500 } }],
    [{ code: 8, retryDelayMs: 0 }, { code: 8, message: '', retryInfo: { delayMs: 0 } }],
    [{ code: 14, message: 'x', retryDelayMs: 61_000 }, { code: 14, message: 'x', retryInfo: { delayMs: 61_000 } }],
  ])('decodes %j', (spec, expected) => {
    expect(decodeRpcStatus(encodeRpcStatus(spec))).toEqual(expected);
  });

  test('other detail types are ignored', () => {
    const other = Buffer.concat([Buffer.from([0x08, 0x0e, 0x1a, 0x06, 0x0a, 0x04]), Buffer.from('nope')]);
    expect(decodeRpcStatus(other)).toEqual({ code: 14, message: '' });
  });

  test('garbage is not a status', () => {
    expect(decodeRpcStatus(Buffer.from([0x0a, 0xff]))).toBeUndefined();
  });
});
