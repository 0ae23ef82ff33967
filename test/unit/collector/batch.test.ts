import { jest } from '@jest/globals';
import pino from 'pino';
import type { Consumer, Payload } from '../../../src/collector/component.ts';
import { refused } from '../../../src/collector/errors.ts';
import { batchConfigSchema, Batcher } from '../../../src/collector/processors/batch.ts';
import { Telemetry } from '../../../src/collector/telemetry.ts';
import { spanBatch, spanNames } from '../../support/otlp-payloads.ts';

const logger = pino({ level: 'silent' });

class Capture implements Consumer {
  readonly batches: Payload[] = [];
  fail: Error | undefined;
  consume(payload: Payload): Promise<void> {
    this.batches.push(payload);
    return this.fail ? Promise.reject(this.fail) : Promise.resolve();
  }
  names(): string[][] {
    return this.batches.map(spanNames);
  }
}

function setup(config: object) {
  const telemetry = new Telemetry();
  const capture = new Capture();
  const batcher = new Batcher(batchConfigSchema.parse(config), capture, telemetry.batch('batch'), logger);
  return { telemetry, capture, batcher };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('sends once send_batch_size items are pending, concatenating payloads in order', () => {
  const { capture, batcher } = setup({ send_batch_size: 5 });
  batcher.consume(spanBatch('a', 2));
  batcher.consume(spanBatch('b', 2));
  expect(capture.batches).toHaveLength(0);
  batcher.consume(spanBatch('c', 2));
  expect(capture.names()).toEqual([['a-0', 'a-1', 'b-0', 'b-1', 'c-0', 'c-1']]);
  expect(capture.batches[0]!.items).toBe(6);
});

test('sends what is pending after the timeout', () => {
  const { capture, batcher, telemetry } = setup({ send_batch_size: 100, timeout: '1s' });
  batcher.consume(spanBatch('a', 3));
  jest.advanceTimersByTime(999);
  expect(capture.batches).toHaveLength(0);
  jest.advanceTimersByTime(1);
  expect(capture.names()).toEqual([['a-0', 'a-1', 'a-2']]);
  return telemetry.metrics().then((text) => expect(text).toContain('otelcol_processor_batch_timeout_trigger_send{processor="batch"} 1'));
});

test('send_batch_max_size splits, keeping a remainder below send_batch_size for later', () => {
  const { capture, batcher } = setup({ send_batch_size: 4, send_batch_max_size: 4, timeout: '1s' });
  batcher.consume(spanBatch('a', 10));
  expect(capture.batches.map((b) => b.items)).toEqual([4, 4]);
  jest.advanceTimersByTime(1000);
  expect(capture.batches.map((b) => b.items)).toEqual([4, 4, 2]);
  expect(capture.names().flat()).toEqual(Array.from({ length: 10 }, (_, i) => `a-${i}`));
});

test('timeout 0 sends every payload at once, split at send_batch_max_size', () => {
  const { capture, batcher } = setup({ timeout: 0, send_batch_max_size: 8192 });
  batcher.consume(spanBatch('a', 1));
  expect(capture.batches.map((b) => b.items)).toEqual([1]);
});

test('shutdown flushes what is pending and waits for the sends', async () => {
  const { capture, batcher, telemetry } = setup({ send_batch_size: 100 });
  batcher.consume(spanBatch('a', 3));
  jest.useRealTimers();
  await batcher.shutdown(Date.now() + 1000);
  expect(capture.names()).toEqual([['a-0', 'a-1', 'a-2']]);
  expect(await telemetry.metrics()).toContain('otelcol_processor_batch_batch_send_size_sum{processor="batch"} 3');
});

test('a refused send is logged, not thrown at the sender', async () => {
  const telemetry = new Telemetry();
  const capture = new Capture();
  capture.fail = refused('queue full');
  const warnings: unknown[] = [];
  const spy = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
  const batcher = new Batcher(batchConfigSchema.parse({ send_batch_size: 1 }), capture, telemetry.batch('batch'), spy);
  expect(() => batcher.consume(spanBatch('a', 2))).not.toThrow();
  jest.useRealTimers();
  await batcher.shutdown(Date.now() + 1000);
  expect(warnings).toEqual([expect.objectContaining({ msg: 'batch could not be sent on', items: 2 })]);
});
