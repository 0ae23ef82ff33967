import type { Consumer, Payload } from '../../../src/collector/component.ts';
import { parseCollectorArgs } from '../../../src/collector/cli.ts';
import { parseEndpoint } from '../../../src/collector/config/endpoint.ts';
import { parseComponentId } from '../../../src/collector/config/ids.ts';
import { metricsEndpoint, telemetrySchema } from '../../../src/collector/config/service.ts';
import { ConsumerError, isRetryable, permanent, refused } from '../../../src/collector/errors.ts';
import { formatGoDuration } from '../../../src/contract/duration.ts';
import { healthCheckConfigSchema, healthResponse } from '../../../src/collector/extensions/health-check.ts';
import { drainTimeoutFrom } from '../../../src/collector/main.ts';
import { fanout } from '../../../src/collector/service/fanout.ts';

const payload: Payload = { signal: 'logs', resources: [], items: 1, bytes: 0 };
const ok: Consumer = { consume: () => undefined };
const later: Consumer = { consume: () => Promise.resolve() };
const busy: Consumer = { consume: () => Promise.reject(refused('busy')) };
const broken: Consumer = { consume: () => { throw permanent('bad'); } };

describe('fanout', () => {
  test('a single consumer is used as is', () => expect(fanout([ok])).toBe(ok));
  test('synchronous acceptance stays synchronous', () => expect(fanout([ok, ok]).consume(payload)).toBeUndefined());
  test('accepted when all accept', async () => expect(await fanout([ok, later]).consume(payload)).toBeUndefined());
  test('retryable when every failure is retryable', async () => {
    const error = await Promise.resolve(fanout([ok, busy]).consume(payload)).catch((e: unknown) => e);
    expect(isRetryable(error)).toBe(true);
  });
  test('permanent when any failure is permanent; messages combined', async () => {
    const error = await Promise.resolve(fanout([busy, broken, later]).consume(payload)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsumerError);
    expect(isRetryable(error)).toBe(false);
    expect((error as Error).message).toBe('busy; bad');
  });
  test('every consumer gets the payload even when one throws', async () => {
    const seen: Payload[] = [];
    await Promise.resolve(fanout([broken, { consume: (p) => void seen.push(p) }]).consume(payload)).catch(() => undefined);
    expect(seen).toEqual([payload]);
  });
});

describe('health response', () => {
  const config = healthCheckConfigSchema.parse({});
  test('200 with upstream body when ready', () => {
    const { status, body } = healthResponse(true, Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1) + 49_013, config);
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({ status: 'Server available', upSince: '2025-01-01T00:00:00.000Z', uptime: '49.013s' });
  });
  test('503 while starting or stopping', () => {
    expect(healthResponse(false, undefined, 0, config)).toEqual({
      status: 503, body: JSON.stringify({ status: 'Server not available', upSince: '0001-01-01T00:00:00Z', uptime: '' }),
    });
  });
  test('custom bodies', () => {
    const custom = healthCheckConfigSchema.parse({ response_body: { healthy: 'up', unhealthy: 'down' } });
    expect(healthResponse(true, 0, 1, custom).body).toBe('up');
    expect(healthResponse(false, undefined, 1, custom).body).toBe('down');
  });
  test.each([[0, '0s'], [250, '250ms'], [1500, '1.5s'], [61_000, '1m1s'], [3_600_000, '1h0m0s'], [3_723_500, '1h2m3.5s']])('uptime %d ms = %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });
});

test.each([
  ['localhost:4317', { host: 'localhost', port: 4317 }],
  ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
  ['[::1]:4318', { host: '::1', port: 4318 }],
  [':8888', { host: undefined, port: 8888 }],
  ['4317', '"4317" is not host:port'],
  ['::1:4317', '"::1:4317": IPv6 hosts must be written in brackets, e.g. [::1]:4317'],
  ['host:99999', '"host:99999" has an invalid port "99999"'],
])('endpoint %j', (text, expected) => expect(parseEndpoint(text)).toEqual(expected));

test.each([
  ['otlp', { type: 'otlp', name: '' }],
  ['otlp/backend-1', { type: 'otlp', name: 'backend-1' }],
  ['otlp/a/b', { type: 'otlp', name: 'a/b' }],
  ['1otlp', 'invalid type "1otlp": must start with a letter and contain only letters, digits and "_" (at most 63 characters)'],
  ['otlp/a b', 'invalid name "a b": must not contain spaces, control characters or symbols (at most 1024 characters)'],
])('component id %j', (text, expected) => expect(parseComponentId(text)).toEqual(expected));

test.each([
  [{}, { host: 'localhost', port: 8888 }],
  [{ metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: 7777 } } } }] } }, { host: '127.0.0.1', port: 7777 }],
  [{ metrics: { level: 'none' } }, undefined],
])('self-metrics endpoint of %j', (telemetry, expected) => expect(metricsEndpoint(telemetrySchema.parse(telemetry))).toEqual(expected));

test.each([
  [['--config', 'a.yaml'], { validate: false, configs: ['a.yaml'] }],
  [['validate', '--config=a.yaml', '-c', 'b.yaml'], { validate: true, configs: ['a.yaml', 'b.yaml'] }],
  [['--config', 'a.yaml', '--drain-timeout', '5s'], { validate: false, configs: ['a.yaml'], drainTimeout: '5s' }],
  [[], 'missing --config FILE'],
  [['--config'], '--config needs a file'],
  [['--config', 'a', 'run'], 'unknown argument "run"'],
])('collector args %j', (argv, expected) => expect(parseCollectorArgs(argv)).toEqual(expected));

test.each([[undefined, 30_000], ['45s', 45_000], ['2', 2000], ['1m', 60_000], ['soon', 'invalid drain timeout "soon" (expected e.g. "30s" or 30)']])(
  'drain timeout %j',
  (text, expected) => expect(drainTimeoutFrom(text)).toEqual(expected),
);
