// A config problem with the path of the field it concerns. Validation collects every issue instead
// of stopping at the first, so one `tpo collector validate` run shows everything to fix.
import type { z } from 'zod';

export type PathSegment = string | number;
export type ConfigPath = readonly PathSegment[];

export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** `receivers.otlp.protocols.grpc.endpoint`, `service.pipelines.traces.receivers[0]`. */
export function formatPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

export function issue(path: ConfigPath, message: string): ConfigIssue {
  return { path: formatPath(path), message };
}

export function formatIssue(entry: ConfigIssue): string {
  return entry.path === '' ? entry.message : `${entry.path}: ${entry.message}`;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(`invalid collector config:\n${issues.map((entry) => `  ${formatIssue(entry)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

type ZodIssue = z.core.$ZodIssue;

/** Converts zod issues under `prefix` into config issues; unknown keys become one issue per key. */
export function fromZodIssues(prefix: ConfigPath, issues: readonly ZodIssue[], input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const entry of issues) {
    const path = [...prefix, ...(entry.path as PathSegment[])];
    if (entry.code === 'unrecognized_keys') {
      for (const key of entry.keys) out.push(issue([...path, key], 'unknown field'));
      continue;
    }
    out.push(issue(path, describe(entry, valueAt(input, entry.path as PathSegment[]))));
  }
  return out;
}

function describe(entry: ZodIssue, value: unknown): string {
  if (entry.code === 'invalid_type') {
    const expected = entry.expected === 'object' ? 'map' : entry.expected;
    if (value === undefined) return `required field is missing (expected ${expected})`;
    return `expected ${expected}, received ${typeName(value)}`;
  }
  if (entry.code === 'invalid_union') {
    const expected = new Set<string>();
    for (const branch of entry.errors) {
      for (const inner of branch) {
        if (inner.code === 'invalid_type' && inner.path.length === 0) expected.add(inner.expected === 'object' ? 'map' : inner.expected);
      }
    }
    if (expected.size > 0) return `expected ${[...expected].join(' or ')}, received ${typeName(value)}`;
  }
  return entry.message.replace(/^Invalid input: /, '');
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'map';
  return typeof value;
}

export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}
