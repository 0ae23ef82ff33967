import { ItemBackoff, JitteredBackoff } from '../../../src/operator/kube/backoff.ts';
import { Controller, type Outcome } from '../../../src/operator/kube/controller.ts';
import { TerminalError } from '../../../src/operator/kube/errors.ts';
import { WorkQueue } from '../../../src/operator/kube/work-queue.ts';
import { FakeClock, flush } from './fake-clock.ts';

describe('ItemBackoff', () => {
  test.each([
    [1, 5],
    [2, 10],
    [3, 20],
    [10, 2560],
    [18, 655_360],
    [19, 1_000_000],
    [2000, 1_000_000],
  ])('failure #%i waits %i ms', (n, expected) => {
    const b = new ItemBackoff();
    let last = 0;
    for (let i = 0; i < n; i++) last = b.when('k');
    expect(last).toBe(expected);
  });

  test('forget resets one key only', () => {
    const b = new ItemBackoff();
    b.when('a');
    b.when('a');
    b.when('b');
    b.forget('a');
    expect(b.when('a')).toBe(5);
    expect(b.when('b')).toBe(10);
  });
});

describe('JitteredBackoff', () => {
  test('doubles from 0.8s to 30s with jitter on top, capped', () => {
    const b = new JitteredBackoff({ random: () => 0 });
    const delays = Array.from({ length: 8 }, (_, i) => b.next(i));
    expect(delays).toEqual([800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
    const j = new JitteredBackoff({ random: () => 0.999, jitter: 0.25 });
    expect(j.next(0)).toBeCloseTo(800 * 1.24975);
  });

  test('resets after a quiet period', () => {
    const b = new JitteredBackoff({ random: () => 0, resetAfterMs: 1000 });
    b.next(0);
    b.next(10);
    expect(b.next(20)).toBe(3200);
    expect(b.next(1020)).toBe(800);
  });
});

describe('WorkQueue', () => {
  test('deduplicates keys that are waiting', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
  });

  test('a key added while processing is handed out again only after done', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('ns/a');
    const key = await q.get();
    q.add('ns/a');
    q.add('ns/a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await flush();
    expect(second).toBeUndefined();
    q.done(key!);
    await flush();
    expect(second).toBe('ns/a');
    q.done('ns/a');
    expect(q.length).toBe(0);
  });

  test('urgent keys are handed out first, in arrival order; an urgent add moves a waiting key up', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    for (const k of ['ns/a', 'ns/b', 'ns/c', 'ns/d']) q.add(k);
    q.add('ns/e', true);
    q.add('ns/c', true);
    q.add('ns/a');
    expect(q.length).toBe(5);
    const order = [];
    for (let i = 0; i < 5; i++) order.push(await q.get());
    expect(order).toEqual(['ns/e', 'ns/c', 'ns/a', 'ns/b', 'ns/d']);
    expect(q.length).toBe(0);
    expect(q.adds).toBe(5);
  });

  test('a key added urgently while processing goes to the urgent lane when done', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('ns/a');
    q.add('ns/b');
    const a = await q.get();
    q.add('ns/a');
    q.add('ns/a', true);
    q.done(a!);
    expect(await q.get()).toBe('ns/a');
    q.done('ns/a');
    // Urgency is spent with the pass it asked for: an ordinary re-add while processing stays ordinary.
    q.add('ns/c');
    const b = await q.get();
    q.add('ns/b');
    q.done(b!);
    expect([await q.get(), await q.get()]).toEqual(['ns/c', 'ns/b']);
  });

  test('done without a re-add does not requeue', async () => {
    const q = new WorkQueue({ clock: new FakeClock() });
    q.add('k');
    q.done((await q.get())!);
    expect(q.length).toBe(0);
  });

  test('addAfter keeps the earliest deadline and fires on the clock', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.addAfter('k', 100);
    q.addAfter('k', 500);
    q.addAfter('k', 50);
    expect(q.delayedCount).toBe(1);
    await clock.advance(49);
    expect(q.length).toBe(0);
    await clock.advance(1);
    expect(q.length).toBe(1);
    await clock.advance(1000);
    expect(q.length).toBe(1);
  });

  test('addRateLimited backs off per key until forget', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    expect([q.addRateLimited('k'), q.addRateLimited('k'), q.addRateLimited('x')]).toEqual([5, 10, 5]);
    expect(q.numRequeues('k')).toBe(2);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
  });

  test('shutDown releases waiting getters and waits for in-flight keys', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue({ clock });
    q.add('a');
    q.addAfter('c', 10);
    const a = await q.get();
    const idle = q.get();
    const drained = q.shutDown();
    let done = false;
    void drained.then(() => (done = true));
    q.add('d');
    await flush();
    expect(done).toBe(false);
    q.done(a!);
    await flush();
    expect(done).toBe(true);
    expect(await idle).toBeUndefined();
    expect(await q.get()).toBeUndefined();
    expect(clock.pending).toBe(0);
  });
});

describe('Controller', () => {
  function setup(reconcile: (key: string) => Promise<{ requeueAfterMs?: number } | void>, concurrency = 2) {
    const clock = new FakeClock();
    const queue = new WorkQueue({ clock });
    const outcomes: [string, Outcome][] = [];
    const keys = ['ns/a', 'ns/b', 'ns/c'];
    const controller = new Controller({
      queue,
      reconcile,
      concurrency,
      resyncMs: 1000,
      listKeys: () => keys,
      clock,
      onOutcome: (key, outcome) => outcomes.push([key, outcome]),
    });
    return { clock, queue, controller, outcomes };
  }

  test('bounded concurrency: never more than N reconciles at once, never one key twice', async () => {
    let active = 0;
    let peak = 0;
    const activeKeys = new Set<string>();
    const release: (() => void)[] = [];
    const { queue, controller, outcomes } = setup(async (key) => {
      expect(activeKeys.has(key)).toBe(false);
      activeKeys.add(key);
      peak = Math.max(peak, ++active);
      await new Promise<void>((r) => release.push(r));
      activeKeys.delete(key);
      active--;
    });
    controller.start();
    for (const k of ['ns/a', 'ns/b', 'ns/c', 'ns/a']) queue.add(k);
    await flush();
    expect(active).toBe(2);
    queue.add('ns/a');
    while (release.length) {
      release.shift()!();
      await flush();
    }
    expect(peak).toBe(2);
    expect(outcomes.map(([k]) => k).sort()).toEqual(['ns/a', 'ns/a', 'ns/b', 'ns/c']);
    await controller.stop();
  });

  test('errors retry with backoff, terminal errors and successes do not', async () => {
    const calls: string[] = [];
    let failures = 2;
    const { clock, queue, controller, outcomes } = setup(async (key) => {
      calls.push(key);
      if (key === 'ns/terminal') throw new TerminalError('bad input');
      if (key === 'ns/flaky' && failures-- > 0) throw new Error('boom');
    }, 1);
    controller.start();
    queue.add('ns/flaky');
    queue.add('ns/terminal');
    await flush();
    expect(outcomes).toEqual([
      ['ns/flaky', 'error'],
      ['ns/terminal', 'terminal'],
    ]);
    await clock.advance(4);
    expect(calls).toHaveLength(2);
    await clock.advance(1);
    expect(calls).toHaveLength(3);
    await clock.advance(10);
    expect(outcomes.at(-1)).toEqual(['ns/flaky', 'success']);
    expect(queue.numRequeues('ns/flaky')).toBe(0);
    expect(queue.numRequeues('ns/terminal')).toBe(0);
    await controller.stop();
  });

  test('requeueAfter re-adds the key later; resync adds all known keys', async () => {
    const { clock, queue, controller, outcomes } = setup(async (key) =>
      key === 'ns/a' && outcomes.length === 0 ? { requeueAfterMs: 300 } : undefined,
    );
    controller.start();
    queue.add('ns/a');
    await flush();
    expect(outcomes).toEqual([['ns/a', 'requeue']]);
    await clock.advance(300);
    expect(outcomes).toEqual([
      ['ns/a', 'requeue'],
      ['ns/a', 'success'],
    ]);
    await clock.advance(700);
    expect(outcomes.slice(2).map(([k]) => k).sort()).toEqual(['ns/a', 'ns/b', 'ns/c']);
    await controller.stop();
    await clock.advance(5000);
    expect(outcomes).toHaveLength(5);
  });

  test('stop waits for the in-flight reconcile and takes no new key', async () => {
    let release!: () => void;
    const seen: string[] = [];
    const { queue, controller } = setup(async (key) => {
      seen.push(key);
      await new Promise<void>((r) => (release = r));
    }, 1);
    controller.start();
    queue.add('ns/a');
    queue.add('ns/b');
    await flush();
    let stopped = false;
    const stopping = controller.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(seen).toEqual(['ns/a']);
  });
});
