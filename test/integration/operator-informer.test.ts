// The informer against the real API server: a real 410 Gone (a watch from a resourceVersion older
// than the watch cache holds) relists; short server-side watch timeouts resume without loss or duplicates.
import { pino } from 'pino';
import { Informer, type ListerWatcher } from '../../src/operator/kube/informer.ts';
import { listerWatcher } from '../../src/operator/kube/list-watch.ts';
import { collectionPath, objectPath, resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { createPipeline, pipeline, waitFor, useTestNamespace } from './operator-helpers.ts';

const log = pino({ level: process.env['TPO_TEST_LOG'] ?? 'warn' });

const ctx = useTestNamespace('op-informer');

const configMap = (name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ctx.ns }, data: { v } });

function track(informer: Informer<KubeObject>) {
  const events: string[] = [];
  informer.on({
    add: (o) => events.push(`add ${o.metadata.name}`),
    update: (o) => events.push(`update ${o.metadata.name} ${(o.data as { v: string } | undefined)?.v}`),
    delete: (o) => events.push(`delete ${o.metadata.name}`),
  });
  return events;
}

test('a watch from an expired resourceVersion gets 410 Gone from the API server and the informer relists', async () => {
  const { client } = ctx.cluster;
  await createPipeline(client, pipeline(ctx.ns, 'before'));
  const real = listerWatcher<KubeObject>(client, resources.pipeline, { namespace: ctx.ns });
  let lists = 0;
  const watchedFrom: string[] = [];
  // The first list claims resourceVersion "1": older than anything the API server's watch cache for
  // this custom resource holds (it started with the CRD), so the watch is answered with 410 Gone.
  const stale: ListerWatcher<KubeObject> = {
    async list(signal) {
      const result = await real.list(signal);
      return lists++ === 0 ? { ...result, resourceVersion: '1' } : result;
    },
    watch(rv, onEvent, signal) {
      watchedFrom.push(rv);
      return real.watch(
        rv,
        (e) => {
          if (e.type === 'ERROR') gone.push(e.object as { code: number; message: string });
          onEvent(e);
        },
        signal,
      );
    },
  };
  const gone: { code: number; message: string }[] = [];
  const informer = new Informer<KubeObject>({ name: 'telemetrypipelines', lw: stale, log });
  const events = track(informer);
  informer.start();
  try {
    await informer.waitForSync();
    await waitFor('relist after 410', async () => informer.lists === 2, 20_000);
    expect(gone[0]).toMatchObject({ code: 410, message: expect.stringMatching(/too old resource version/) });
    expect(watchedFrom[0]).toBe('1');
    expect(watchedFrom[1]).not.toBe('1');
    await createPipeline(client, pipeline(ctx.ns, 'after'));
    await waitFor('event after relist', async () => events.includes('add after'));
    expect(events.filter((e) => e === 'add before')).toHaveLength(1);
  } finally {
    await informer.stop();
  }
});

test('watches ended by a 1s server timeout resume from the last version: nothing lost, nothing twice', async () => {
  const { client } = ctx.cluster;
  const informer = new Informer<KubeObject>({
    name: 'configmaps',
    lw: listerWatcher<KubeObject>(client, resources.configMap, { namespace: ctx.ns, labelSelector: 'suite=resume', watchTimeoutSeconds: 1 }),
    log,
  });
  const events = track(informer);
  informer.start();
  try {
    await informer.waitForSync();
    const expected: string[] = [];
    // Spread the writes over several watch lifetimes.
    for (let i = 0; i < 12; i++) {
      const name = `cm-${i}`;
      await client.request('POST', collectionPath(resources.configMap, ctx.ns), {
        body: { ...configMap(name, '1'), metadata: { name, namespace: ctx.ns, labels: { suite: 'resume' } } },
      });
      await client.request('PATCH', objectPath(resources.configMap, ctx.ns, name), { body: { data: { v: '2' } }, contentType: 'application/merge-patch+json' });
      expected.push(`add ${name}`, `update ${name} 2`);
      if (i % 3 === 2) await new Promise((r) => setTimeout(r, 900));
    }
    await client.request('DELETE', objectPath(resources.configMap, ctx.ns, 'cm-0'));
    expected.push('delete cm-0');
    await waitFor('all events', async () => events.length >= expected.length);
    await new Promise((r) => setTimeout(r, 1500));
    expect(events).toEqual(expected);
    expect(informer.lists).toBe(1);
  } finally {
    await informer.stop();
  }
});
