// The set of component factories a collector can build from; registry.ts provides the default set.
import type { ExporterFactory, ExtensionFactory, ProcessorFactory, ReceiverFactory, Signal } from './component.ts';

// Factories are stored with their config type erased; each validates its own config with its schema.
export interface Factories {
  readonly receivers: readonly ReceiverFactory<any>[];
  readonly processors: readonly ProcessorFactory<any>[];
  readonly exporters: readonly ExporterFactory<any>[];
  readonly extensions: readonly ExtensionFactory<any>[];
}

export type Kind = keyof Factories;

export const KIND_NAME: Record<Kind, string> = { receivers: 'receiver', processors: 'processor', exporters: 'exporter', extensions: 'extension' };

interface Named {
  readonly type: string;
  readonly aliases?: readonly string[];
  readonly signals?: readonly Signal[];
}

export function findFactory<F extends Named>(factories: readonly F[], type: string): F | undefined {
  return factories.find((factory) => factory.type === type || (factory.aliases?.includes(type) ?? false));
}

export function supportsSignal(factory: Named, signal: Signal): boolean {
  return factory.signals === undefined || factory.signals.includes(signal);
}

export function knownTypes(factories: readonly Named[]): string {
  return factories.flatMap((factory) => [factory.type, ...(factory.aliases ?? [])]).sort().join(', ');
}
