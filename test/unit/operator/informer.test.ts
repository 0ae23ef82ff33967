import { pino } from 'pino';
import { JitteredBackoff } from '../../../src/operator/kube/backoff.ts';
import { ApiError } from '../../../src/operator/kube/errors.ts';
import { Informer, type ListerWatcher, type WatchEvent } from '../../../src/operator/kube/informer.ts';
import { Store } from '../../../src/operator/kube/store.ts';
import type { KubeObject } from '../../../src/operator/kube/types.ts';
import { FakeClock, flush } from './fake-clock.ts';

const obj = (name: string, rv: string, data = ''): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  data: { v: data },
});

interface OpenWatch {
  from: string;
  send(e: WatchEvent<KubeObject>): void;
  end(): void;
  fail(err: Error): void;
  signal: AbortSignal;
}

/** A scripted API server: lists come from `lists`, each watch is exposed to the test to drive. */
class FakeServer implements ListerWatcher<KubeObject> {
  lists: ({ items: KubeObject[]; resourceVersion: string } | Error)[] = [];
  watches: OpenWatch[] = [];
  listCalls = 0;

  async list() {
    this.listCalls++;
    const next = this.lists.shift();
    if (!next) throw new Error('no list scripted');
    if (next instanceof Error) throw next;
    return next;
  }

  watch(from: string, onEvent: (e: WatchEvent<KubeObject>) => void, signal: AbortSignal) {
    return new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => resolve(), { once: true });
      this.watches.push({ from, send: onEvent, end: resolve, fail: reject, signal });
    });
  }

  get current(): OpenWatch {
    return this.watches.at(-1)!;
  }
}

function setup(opts: { inactivityMs?: number } = {}) {
  const clock = new FakeClock();
  const server = new FakeServer();
  const informer = new Informer<KubeObject>({
    name: 'configmaps',
    lw: server,
    log: pino({ level: 'silent' }),
    clock,
    backoff: new JitteredBackoff({ random: () => 0 }),
    inactivityMs: opts.inactivityMs ?? 0,
    minWatchMs: 0,
  });
  const seen: string[] = [];
  informer.on({
    add: (o) => seen.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
    update: (o, old) => seen.push(`update ${o.metadata.name}@${old.metadata.resourceVersion}->${o.metadata.resourceVersion}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  return { clock, server, informer, seen };
}

describe('Store', () => {
  test('never goes back in resourceVersion, so write-through survives late events', () => {
    const s = new Store<KubeObject>();
    expect(s.upsert(obj('a', '10'))?.type).toBe('add');
    expect(s.upsert(obj('a', '9'))).toBeUndefined();
    expect(s.upsert(obj('a', '10'))).toBeUndefined();
    expect(s.upsert(obj('a', '11'))?.type).toBe('update');
  });

  test('replace keeps objects newer than the list and drops the rest', () => {
    const s = new Store<KubeObject>();
    s.upsert(obj('old', '5'));
    s.upsert(obj('fresh', '30'));
    s.upsert(obj('kept', '7'));
    const changes = s.replace([obj('kept', '7'), obj('new', '19')], '20');
    expect(changes.map((c) => `${c.type} ${c.obj.metadata.name}`)).toEqual(['add new', 'delete old']);
    expect([...s.keys()].sort()).toEqual(['ns/fresh', 'ns/kept', 'ns/new']);
  });
});

describe('Informer', () => {
  test('lists, syncs, then follows the watch from the list version', async () => {
    const { server, informer, seen } = setup();
    server.lists.push({ items: [obj('a', '1')], resourceVersion: '5' });
    informer.start();
    await informer.waitForSync();
    await flush();
    expect(server.current.from).toBe('5');
    server.current.send({ type: 'ADDED', object: obj('b', '6') });
    server.current.send({ type: 'MODIFIED', object: obj('a', '7', 'x') });
    server.current.send({ type: 'DELETED', object: obj('b', '8') });
    expect(seen).toEqual(['add a@1', 'add b@6', 'update a@1->7', 'delete b']);
    expect(informer.store.get('ns/a')?.data).toEqual({ v: 'x' });
    await informer.stop();
  });

  test('a bookmark advances the resume point; a normal end resumes without listing', async () => {
    const { server, informer } = setup();
    server.lists.push({ items: [], resourceVersion: '5' });
    informer.start();
    await flush();
    server.current.send({ type: 'BOOKMARK', object: { metadata: { name: '', resourceVersion: '42' } } });
    server.current.end();
    await flush();
    expect(server.watches.map((w) => w.from)).toEqual(['5', '42']);
    expect(server.listCalls).toBe(1);
    await informer.stop();
  });

  test('410 Gone as a watch event relists and reports the difference', async () => {
    const { server, informer, seen } = setup();
    server.lists.push({ items: [obj('a', '1'), obj('b', '2')], resourceVersion: '5' });
    server.lists.push({ items: [obj('a', '9', 'changed'), obj('c', '8')], resourceVersion: '10' });
    informer.start();
    await flush();
    server.current.send({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } });
    await flush();
    expect(server.listCalls).toBe(2);
    expect(server.current.from).toBe('10');
    expect(seen.slice(2)).toEqual(['update a@1->9', 'add c@8', 'delete b']);
    await informer.stop();
  });

  test('410 Gone as an HTTP error relists too', async () => {
    const { server, informer } = setup();
    server.lists.push({ items: [], resourceVersion: '5' }, { items: [], resourceVersion: '11' });
    informer.start();
    await flush();
    server.current.fail(new ApiError('WATCH', '/x', 410, 'Gone', 'expired'));
    await flush();
    expect(server.watches.map((w) => w.from)).toEqual(['5', '11']);
    await informer.stop();
  });

  test('other failures back off 0.8s, 1.6s, ... and resume from the last version', async () => {
    const { clock, server, informer } = setup();
    server.lists.push({ items: [], resourceVersion: '5' });
    informer.start();
    await flush();
    server.current.fail(new Error('connection reset'));
    await clock.advance(799);
    expect(server.watches).toHaveLength(1);
    await clock.advance(1);
    expect(server.watches).toHaveLength(2);
    server.current.fail(new Error('connection reset'));
    await clock.advance(1599);
    expect(server.watches).toHaveLength(2);
    await clock.advance(1);
    expect(server.watches.map((w) => w.from)).toEqual(['5', '5', '5']);
    await informer.stop();
  });

  test('a failing list backs off and retries; sync waits for the first good list', async () => {
    const { clock, server, informer } = setup();
    server.lists.push(new Error('apiserver down'), { items: [obj('a', '1')], resourceVersion: '3' });
    informer.start();
    await flush();
    expect(informer.synced).toBe(false);
    await clock.advance(800);
    expect(informer.synced).toBe(true);
    expect(informer.store.size).toBe(1);
    await informer.stop();
  });

  test('a watch silent for too long is dropped and relisted', async () => {
    const { clock, server, informer } = setup({ inactivityMs: 1000 });
    server.lists.push({ items: [], resourceVersion: '5' }, { items: [obj('a', '7')], resourceVersion: '7' });
    informer.start();
    await flush();
    await clock.advance(900);
    server.current.send({ type: 'BOOKMARK', object: { metadata: { name: '', resourceVersion: '6' } } });
    await clock.advance(900);
    expect(server.listCalls).toBe(1);
    await clock.advance(100);
    expect(server.watches[0]!.signal.aborted).toBe(true);
    expect(server.listCalls).toBe(2);
    expect(informer.store.size).toBe(1);
    await informer.stop();
  });

  test('stop ends the watch and the loop', async () => {
    const { server, informer } = setup();
    server.lists.push({ items: [], resourceVersion: '5' });
    informer.start();
    await flush();
    await informer.stop();
    expect(server.current.signal.aborted).toBe(true);
  });
});
