// Every component this collector can run, all loaded: for tests and tools that validate any config.
// `tpo collector` loads only the components its config names (component-loaders.ts).
import { allFactories } from './component-loaders.ts';
import type { Factories } from './factories.ts';

export const defaultFactories: Factories = await allFactories();
