// Loading only the components a config names: each loader yields the factory of its type (or alias), a config
// gets the factories it names, and one naming an unknown type gets every factory of that kind, so the
// validation error can list all the known types.
import { allFactories, factoriesFor, LOADERS } from '../../../src/collector/component-loaders.ts';
import type { Kind } from '../../../src/collector/factories.ts';

const types = (factories: readonly { type: string }[]) => factories.map((factory) => factory.type).sort();

test('every loader yields the factory of its type or alias', async () => {
  for (const kind of Object.keys(LOADERS) as Kind[]) {
    for (const [name, load] of Object.entries(LOADERS[kind])) {
      const factory = (await load()) as { type: string; aliases?: readonly string[] };
      expect([factory.type, ...(factory.aliases ?? [])]).toContain(name);
    }
  }
});

test('a config gets the factories of the types it names, by id and alias', async () => {
  const factories = await factoriesFor({
    receivers: { otlp: {} },
    processors: { 'batch/a': {}, batch: {}, memory_limiter: {} },
    exporters: { otlp: {}, 'otlphttp/b': {} },
  });
  expect(types(factories.receivers)).toEqual(['otlp']);
  expect(types(factories.processors)).toEqual(['batch', 'memory_limiter']);
  expect(types(factories.exporters)).toEqual(['otlp_grpc', 'otlp_http']);
  expect(factories.extensions).toEqual([]);
});

test('an unknown type loads every factory of its kind', async () => {
  const all = await allFactories();
  const factories = await factoriesFor({ processors: { batch: {}, transform: {} }, exporters: 'not a map' });
  expect(types(factories.processors)).toEqual(types(all.processors));
  expect(factories.exporters).toEqual([]);
});
