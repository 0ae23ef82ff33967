// The exporter helper end to end without a network: sending queue, retry loop, accounting and
// drain, driven by a fake clock and a scripted client.
import { isRetryable } from '../../../src/collector/errors.ts';
import { createExporter } from '../../../src/collector/exporters/exporter-helper.ts';
import type { ExporterClient, PushOptions, PushResult } from '../../../src/collector/exporters/exporter-helper.ts';
import { ExportError, retryConfigSchema } from '../../../src/collector/exporters/retry.ts';
import { queueConfigSchema } from '../../../src/collector/exporters/sending-queue.ts';
import { garbageCollector } from '../../../src/collector/processors/force-gc.ts';
import { exporterCounts, fakePayload, testContext } from '../../support/exporter-metrics.ts';
import { FakeClock, settle } from '../../support/fake-clock.ts';

type Step = 'ok' | 'unavailable' | 'permanent' | 'hang' | { throttleMs: number } | { rejected: number };

/** A client whose n-th push follows script[n] (the last step repeats). */
function scripted(script: Step[]) {
  const calls: PushOptions[] = [];
  const client: ExporterClient = {
    push: (_payload, options) => {
      calls.push(options);
      const step = script[Math.min(calls.length - 1, script.length - 1)]!;
      if (step === 'ok') return Promise.resolve();
      if (step === 'unavailable') return Promise.reject(new ExportError('rpc error: code = UNAVAILABLE', true));
      if (step === 'permanent') return Promise.reject(new ExportError('rpc error: code = INVALID_ARGUMENT', false));
      if (step === 'hang') {
        return new Promise<void>((_resolve, reject) => options.signal.addEventListener('abort', () => reject(new ExportError('cancelled', true))));
      }
      if ('throttleMs' in step) return Promise.reject(new ExportError('throttled', true, step.throttleMs));
      return Promise.resolve<PushResult>({ rejected: step.rejected, message: 'some were bad' });
    },
  };
  return { client, calls };
}

function setup(script: Step[], queue: Record<string, unknown> = {}, retry: Record<string, unknown> = {}) {
  const ctx = testContext('otlp/q');
  const clock = new FakeClock();
  const { client, calls } = scripted(script);
  const exporter = createExporter(ctx, {
    sending_queue: queueConfigSchema.parse(queue),
    retry_on_failure: retryConfigSchema.parse(retry),
    timeout: 5000,
  }, client, { clock, random: () => 0.5 });
  const counts = () => exporterCounts(ctx.telemetry, 'otlp/q');
  return { ctx, clock, exporter, calls, counts };
}

describe('sending_queue disabled: synchronous send with retry', () => {
  test('success is counted as sent and resolves consume', async () => {
    const { exporter, counts, calls } = setup(['ok'], { enabled: false });
    await exporter.consume(fakePayload(7));
    expect(await counts()).toMatchObject({ sent: 7, sendFailed: 0 });
    expect(calls[0]!.timeoutMs).toBe(5000);
  });

  test('a permanent error is not retried and reaches the caller as permanent', async () => {
    const { exporter, counts, calls } = setup(['permanent'], { enabled: false });
    const error = await Promise.resolve(exporter.consume(fakePayload(7))).catch((e: unknown) => e);
    expect(isRetryable(error)).toBe(false);
    expect(calls).toHaveLength(1);
    expect(await counts()).toMatchObject({ sent: 0, sendFailed: 7, retries: 0 });
  });

  test('retryable errors are retried on the backoff schedule until success', async () => {
    const { exporter, counts, calls, clock } = setup(['unavailable', 'unavailable', 'ok'], { enabled: false });
    const done = exporter.consume(fakePayload(3));
    await clock.advance(5000);
    await clock.advance(7500);
    await done;
    expect(clock.sleeps).toEqual([5000, 7500]);
    expect(calls).toHaveLength(3);
    expect(await counts()).toMatchObject({ sent: 3, sendFailed: 0, retries: 2 });
  });

  test('a server throttle longer than the backoff sets the delay', async () => {
    const { exporter, clock } = setup([{ throttleMs: 20_000 }, 'ok'], { enabled: false });
    const done = exporter.consume(fakePayload(1));
    await clock.advance(20_000);
    await done;
    expect(clock.sleeps).toEqual([20_000]);
  });

  test('gives up when the next attempt would pass max_elapsed_time', async () => {
    const { exporter, counts, calls, clock } = setup(['unavailable'], { enabled: false }, { max_elapsed_time: '30s' });
    const result = Promise.resolve(exporter.consume(fakePayload(4))).catch((e: unknown) => e);
    await clock.advance(60_000);
    const error = await result;
    // 5s + 7.5s + 11.25s = 23.75s; the next 16.875s would end after 30s.
    expect(clock.sleeps).toEqual([5000, 7500, 11250]);
    expect(calls).toHaveLength(4);
    expect((error as Error).message).toMatch(/^no more retries left/);
    expect(isRetryable(error)).toBe(true);
    expect(await counts()).toMatchObject({ sent: 0, sendFailed: 4, retries: 3 });
  });

  test('retry_on_failure.enabled=false sends once', async () => {
    const { exporter, calls } = setup(['unavailable'], { enabled: false }, { enabled: false });
    await expect(exporter.consume(fakePayload(1))).rejects.toThrow('UNAVAILABLE');
    expect(calls).toHaveLength(1);
  });

  test('partial success counts rejected items as send_failed and the rest as sent', async () => {
    const { exporter, counts, ctx } = setup([{ rejected: 3 }], { enabled: false });
    await exporter.consume(fakePayload(10));
    expect(await counts()).toMatchObject({ sent: 7, sendFailed: 3 });
    expect(ctx.logs.find((l) => l.msg === 'Partial success response')).toMatchObject({ dropped_spans: 3, message: 'some were bad' });
  });
});

describe('sending_queue enabled', () => {
  test('consume returns once queued; consumers deliver in the background', async () => {
    const { exporter, counts } = setup(['ok']);
    await exporter.consume(fakePayload(5));
    await settle();
    expect(await counts()).toMatchObject({ sent: 5, queueSize: 0, queueCapacity: 1000 });
  });

  test('a delivered batch is not kept alive by the queue', async () => {
    const gc = garbageCollector();
    if (!gc) throw new Error('this runtime cannot force a garbage collection');
    const { exporter, counts } = setup(['ok']);
    // The body is only reachable through the queue once this function has returned.
    const enqueue = async (): Promise<WeakRef<Uint8Array>> => {
      const body = new Uint8Array(1024);
      await exporter.consume({ ...fakePayload(5), resources: [body] });
      return new WeakRef(body);
    };
    const ref = await enqueue();
    await settle();
    expect(await counts()).toMatchObject({ sent: 5 });
    // Let the WeakRef's creating job end before collecting.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(ref.deref()).toBeUndefined();
  });

  test('full queue refuses with a retryable error and counts enqueue_failed', async () => {
    const { exporter, counts, calls } = setup(['hang'], { num_consumers: 1, queue_size: 2 });
    await exporter.consume(fakePayload(1));
    await exporter.consume(fakePayload(2));
    const error = await Promise.resolve(exporter.consume(fakePayload(4))).catch((e: unknown) => e);
    expect((error as Error).message).toBe('sending queue is full');
    expect(isRetryable(error)).toBe(true);
    expect(calls).toHaveLength(1);
    expect(await counts()).toMatchObject({ enqueueFailed: 4, queueSize: 2, queueCapacity: 2 });
  });

  test('sizer: items counts items against queue_size', async () => {
    const { exporter, counts } = setup(['hang'], { num_consumers: 1, queue_size: 25, sizer: 'items' });
    await exporter.consume(fakePayload(10));
    await exporter.consume(fakePayload(10));
    await expect(exporter.consume(fakePayload(10))).rejects.toThrow('sending queue is full');
    await expect(exporter.consume(fakePayload(30))).rejects.toThrow('exceeds sending_queue.queue_size 25');
    expect(await counts()).toMatchObject({ queueSize: 20, enqueueFailed: 40 });
  });

  test('block_on_overflow waits for space instead of refusing', async () => {
    const { exporter, counts, clock } = setup(['unavailable', 'ok'], { num_consumers: 1, queue_size: 1, block_on_overflow: true });
    await exporter.consume(fakePayload(1));
    let second = false;
    const blocked = Promise.resolve(exporter.consume(fakePayload(2))).then(() => { second = true; });
    await settle();
    expect(second).toBe(false);
    await clock.advance(5000);
    await blocked;
    await settle();
    expect(await counts()).toMatchObject({ sent: 3, enqueueFailed: 0 });
  });

  test('wait_for_result makes consume report the delivery outcome', async () => {
    const { exporter } = setup(['permanent'], { wait_for_result: true });
    await expect(exporter.consume(fakePayload(1))).rejects.toThrow('INVALID_ARGUMENT');
  });

  test('num_consumers bounds concurrent sends', async () => {
    const { exporter, calls } = setup(['hang'], { num_consumers: 3 });
    for (let i = 0; i < 10; i++) await exporter.consume(fakePayload(1));
    await settle();
    expect(calls).toHaveLength(3);
  });
});

describe('shutdown drain', () => {
  test('drains everything queued before the deadline: sent == accepted', async () => {
    const { exporter, counts, clock } = setup(['unavailable', 'ok'], { num_consumers: 2 });
    for (let i = 0; i < 6; i++) await exporter.consume(fakePayload(10));
    const done = exporter.shutdown!(clock.now() + 30_000);
    await clock.advance(10_000);
    await done;
    expect(await counts()).toMatchObject({ sent: 60, sendFailed: 0, queueSize: 0 });
  });

  test('at the deadline queued and in-flight data is dropped, counted and logged: sent + send_failed == accepted', async () => {
    const { exporter, counts, clock, ctx } = setup(['ok', 'hang'], { num_consumers: 2 });
    for (let i = 0; i < 5; i++) await exporter.consume(fakePayload(10));
    await settle();
    const done = exporter.shutdown!(clock.now() + 3000);
    await clock.advance(3000);
    await done;
    const c = await counts();
    expect(c.sent + c.sendFailed).toBe(50);
    expect(c).toMatchObject({ sent: 10, sendFailed: 40, queueSize: 0 });
    expect(ctx.logs.find((l) => l.msg === 'Drain deadline reached: dropping queued data')).toMatchObject({ requests: 2, spans: 20 });
  });

  test('a sleeping retry due after the deadline is abandoned at the deadline', async () => {
    const { exporter, counts, clock } = setup(['unavailable'], { num_consumers: 1 });
    await exporter.consume(fakePayload(10));
    await settle();
    expect(clock.pending).toBe(1);
    const done = exporter.shutdown!(clock.now() + 2000);
    await clock.advance(2000);
    await done;
    expect(await counts()).toMatchObject({ sent: 0, sendFailed: 10 });
  });

  test('during the drain a retry planned after the deadline gives up at once', async () => {
    const { exporter, counts, clock } = setup(['unavailable'], { num_consumers: 1 });
    await exporter.consume(fakePayload(10));
    await settle();
    let finished = false;
    const done = exporter.shutdown!(clock.now() + 10_000).then(() => { finished = true; });
    // Second attempt at 5s fails; the next (7.5s later) would start after the 10s deadline.
    await clock.advance(5000);
    await settle();
    expect(finished).toBe(true);
    await done;
    expect(await counts()).toMatchObject({ sent: 0, sendFailed: 10 });
  });

  test('a sleeping retry whose next attempt fits before the deadline still runs', async () => {
    const { exporter, counts, clock } = setup(['unavailable', 'ok'], { num_consumers: 1 });
    await exporter.consume(fakePayload(10));
    await settle();
    const done = exporter.shutdown!(clock.now() + 10_000);
    await clock.advance(10_000);
    await done;
    expect(await counts()).toMatchObject({ sent: 10, sendFailed: 0 });
  });

  test('data offered after shutdown began is refused and counted as enqueue_failed', async () => {
    const { exporter, counts, clock } = setup(['ok']);
    await exporter.shutdown!(clock.now() + 1000);
    const error = await Promise.resolve(exporter.consume(fakePayload(3))).catch((e: unknown) => e);
    expect(isRetryable(error)).toBe(true);
    expect(await counts()).toMatchObject({ enqueueFailed: 3 });
  });

  test('queue disabled: an in-flight synchronous send is aborted at the deadline', async () => {
    const { exporter, counts, clock } = setup(['hang'], { enabled: false });
    const sending = Promise.resolve(exporter.consume(fakePayload(5))).catch((e: unknown) => e);
    await settle();
    const done = exporter.shutdown!(clock.now() + 1000);
    await clock.advance(1000);
    await done;
    expect(((await sending) as Error).message).toMatch(/aborted at the drain deadline/);
    expect(await counts()).toMatchObject({ sent: 0, sendFailed: 5 });
  });
});

describe('sending_queue config', () => {
  test('defaults as upstream: enabled, 10 consumers, 1000 requests', () => {
    expect(queueConfigSchema.parse({})).toEqual({
      enabled: true, num_consumers: 10, queue_size: 1000, sizer: 'requests', block_on_overflow: false, wait_for_result: false,
    });
  });

  test.each([
    [{ queue_size: 0 }, 'queue_size'],
    [{ num_consumers: -1 }, 'num_consumers'],
    [{ sizer: 'widgets' }, 'sizer'],
    [{ storage: '' }, 'storage'],
    [{ storage: 'file_storage', wait_for_result: true }, 'wait_for_result'],
    [{ batch: {} }, 'batch'],
    [{ blocking: true }, ''],
  ])('rejects %j at %s', (input, path) => {
    const result = queueConfigSchema.safeParse(input);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('one queue per signal', () => {
  test('signals have their own capacity and gauges labelled data_type', async () => {
    const { exporter, ctx } = setup(['hang'], { num_consumers: 1, queue_size: 1 });
    await exporter.consume(fakePayload(1, 'traces'));
    await exporter.consume(fakePayload(2, 'logs'));
    await expect(exporter.consume(fakePayload(3, 'traces'))).rejects.toThrow('sending queue is full');
    expect(await exporterCounts(ctx.telemetry, 'otlp/q', 'logs')).toMatchObject({ queueSize: 1, queueCapacity: 1, enqueueFailed: 0 });
    expect(await exporterCounts(ctx.telemetry, 'otlp/q', 'traces')).toMatchObject({ queueSize: 1, queueCapacity: 1, enqueueFailed: 3 });
    expect(await exporterCounts(ctx.telemetry, 'otlp/q', 'metrics')).toMatchObject({ queueSize: 0, queueCapacity: 0 });
  });
});
