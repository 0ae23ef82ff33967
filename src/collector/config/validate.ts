// Whole-config validation: top-level shape, every component's config against its factory's schema,
// and the service's pipeline references. Returns every issue found, each naming its field path.
import type { z } from 'zod';
import { SIGNALS, type Signal } from '../component.ts';
import { findFactory, KIND_NAME, knownTypes, supportsSignal, type Factories, type Kind } from '../factories.ts';
import { pathKey } from './expand.ts';
import { parseComponentId } from './ids.ts';
import { fromZodIssues, issue, typeName, type ConfigIssue, type ConfigPath, type PathSegment } from './issues.ts';
import { serviceSchema, type ServiceConfig, type TelemetryConfig } from './service.ts';

export interface ConfiguredComponent<F> {
  readonly id: string;
  readonly factory: F;
  readonly config: unknown;
}

export interface PipelineSpec {
  readonly id: string;
  readonly signal: Signal;
  readonly receivers: readonly string[];
  readonly processors: readonly string[];
  readonly exporters: readonly string[];
}

type Components = { readonly [K in Kind]: ReadonlyMap<string, ConfiguredComponent<Factories[K][number]>> };

export interface CollectorConfig extends Components {
  readonly service: {
    readonly extensions: readonly string[];
    readonly pipelines: readonly PipelineSpec[];
    readonly telemetry: TelemetryConfig;
  };
}

export type ValidationResult = { readonly config: CollectorConfig; readonly issues: readonly [] } | { readonly config?: undefined; readonly issues: readonly ConfigIssue[] };

type Declared = Record<Kind, ReadonlySet<string>>;

const KINDS: readonly Kind[] = ['receivers', 'processors', 'exporters', 'extensions'];
const TOP_LEVEL = new Set<string>([...KINDS, 'connectors', 'service']);

export function validateConfig(root: unknown, factories: Factories, originals: ReadonlyMap<string, string> = new Map()): ValidationResult {
  const issues: ConfigIssue[] = [];
  const top = asMap(root ?? {}, [], issues);
  if (!top) return { issues };
  for (const key of Object.keys(top)) if (!TOP_LEVEL.has(key)) issues.push(issue([key], 'unknown field'));
  if (top.connectors !== undefined && top.connectors !== null && Object.keys(top.connectors as object).length > 0) {
    issues.push(issue(['connectors'], 'connectors are not supported by this collector'));
  }
  const components = {} as Record<Kind, Map<string, ConfiguredComponent<unknown>>>;
  const declared = {} as Record<Kind, Set<string>>;
  for (const kind of KINDS) {
    const section = top[kind];
    declared[kind] = new Set(section !== null && typeof section === 'object' ? Object.keys(section) : []);
    components[kind] = validateComponents(kind, section, factories, originals, issues);
  }

  const service = parseWithOriginals(serviceSchema, top.service ?? {}, ['service'], originals, issues);
  const pipelines = service ? validatePipelines(service, components as unknown as Components, declared, issues) : [];
  if (service) {
    service.extensions.forEach((id, index) => {
      if (!declared.extensions.has(id)) issues.push(issue(['service', 'extensions', index], `extension "${id}" is not configured`));
    });
  }
  if (issues.length > 0 || !service) return { issues };
  const config: CollectorConfig = {
    ...(components as unknown as Components),
    service: { extensions: service.extensions, pipelines, telemetry: service.telemetry },
  };
  return { config, issues: [] };
}

function validateComponents(
  kind: Kind, section: unknown, factories: Factories, originals: ReadonlyMap<string, string>, issues: ConfigIssue[],
): Map<string, ConfiguredComponent<unknown>> {
  const out = new Map<string, ConfiguredComponent<unknown>>();
  const entries = asMap(section ?? {}, [kind], issues);
  if (!entries) return out;
  for (const [id, value] of Object.entries(entries)) {
    const parsed = parseComponentId(id);
    if (typeof parsed === 'string') {
      issues.push(issue([kind, id], `invalid ${KIND_NAME[kind]} id: ${parsed}`));
      continue;
    }
    const factory = findFactory<Factories[Kind][number]>(factories[kind], parsed.type);
    if (!factory) {
      issues.push(issue([kind, id], `unknown ${KIND_NAME[kind]} type "${parsed.type}" (supported: ${knownTypes(factories[kind])})`));
      continue;
    }
    // A component written without a body (`batch:`) takes its defaults, as upstream.
    const config = parseWithOriginals(factory.configSchema, value ?? {}, [kind, id], originals, issues);
    if (config !== undefined) out.set(id, { id, factory, config });
  }
  return out;
}

function validatePipelines(service: ServiceConfig, components: Components, declared: Declared, issues: ConfigIssue[]): PipelineSpec[] {
  const pipelines: PipelineSpec[] = [];
  const base: ConfigPath = ['service', 'pipelines'];
  // Signal problems of a processor are reported once per signal, however many pipelines name it.
  const reported = new Set<string>();
  if (Object.keys(service.pipelines).length === 0) issues.push(issue(base, 'service must have at least one pipeline'));
  for (const [id, pipeline] of Object.entries(service.pipelines)) {
    const path = [...base, id];
    const parsed = parseComponentId(id);
    if (typeof parsed === 'string') {
      issues.push(issue(path, `invalid pipeline id: ${parsed}`));
      continue;
    }
    if (!(SIGNALS as readonly string[]).includes(parsed.type)) {
      issues.push(issue(path, `unknown signal "${parsed.type}" (expected ${SIGNALS.join(', ')})`));
      continue;
    }
    const signal = parsed.type as Signal;
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      checkReferences(kind, pipeline[kind], signal, [...path, kind], components, declared, issues, reported);
    }
    if (pipeline.receivers.length === 0) issues.push(issue([...path, 'receivers'], 'must have at least one receiver'));
    if (pipeline.exporters.length === 0) issues.push(issue([...path, 'exporters'], 'must have at least one exporter'));
    pipelines.push({ id, signal, receivers: pipeline.receivers, processors: pipeline.processors, exporters: pipeline.exporters });
  }
  return pipelines;
}

function checkReferences(
  kind: 'receivers' | 'processors' | 'exporters', ids: readonly string[], signal: Signal, path: ConfigPath,
  components: Components, declared: Declared, issues: ConfigIssue[], reported: Set<string>,
): void {
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    const at = [...path, index];
    if (seen.has(id)) issues.push(issue(at, `references ${KIND_NAME[kind]} "${id}" more than once`));
    seen.add(id);
    const component = components[kind].get(id);
    if (!component) {
      // A declared component that failed its own validation was already reported.
      if (!declared[kind].has(id)) issues.push(issue(at, `${KIND_NAME[kind]} "${id}" is not configured (add it under ${kind})`));
      return;
    }
    if (!supportsSignal(component.factory, signal)) {
      issues.push(issue(at, `${KIND_NAME[kind]} "${id}" does not support ${signal}`));
      return;
    }
    if (kind !== 'processors' || reported.has(`${id} ${signal}`)) return;
    reported.add(`${id} ${signal}`);
    const factory = component.factory as Factories['processors'][number];
    for (const problem of factory.signalProblems?.(component.config, signal) ?? []) {
      issues.push(issue([kind, id, ...problem.path], `in ${signal} pipelines: ${problem.message}`));
    }
  });
}

/** Parses with a schema; a field expecting a string gets back the original text of an env reference. */
function parseWithOriginals<T>(
  schema: z.ZodType<T>, value: unknown, prefix: ConfigPath, originals: ReadonlyMap<string, string>, issues: ConfigIssue[],
): T | undefined {
  let current = value;
  for (let attempt = 0; attempt < 4; attempt++) {
    const result = schema.safeParse(current);
    if (result.success) return result.data;
    let replaced = false;
    for (const entry of result.error.issues) {
      if (entry.code !== 'invalid_type' && entry.code !== 'invalid_union') continue;
      const original = originals.get(pathKey([...prefix, ...(entry.path as PathSegment[])]));
      if (original === undefined) continue;
      current = setAt(current, entry.path as PathSegment[], original);
      replaced = true;
    }
    if (!replaced || attempt === 3) {
      issues.push(...fromZodIssues(prefix, result.error.issues, current));
      return undefined;
    }
  }
  return undefined;
}

function setAt(root: unknown, path: readonly PathSegment[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [PathSegment, ...PathSegment[]];
  const copy = (Array.isArray(root) ? [...root] : { ...(root as object) }) as Record<PathSegment, unknown>;
  copy[head] = setAt(copy[head], rest, value);
  return copy;
}

function asMap(value: unknown, path: ConfigPath, issues: ConfigIssue[]): Record<string, unknown> | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  issues.push(issue(path, `expected map, received ${typeName(value)}`));
  return undefined;
}
