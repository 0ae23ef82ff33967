// Checks that an OpenAPI v3 schema is "structural" as apiextensions.k8s.io/v1 requires, plus our own bar:
// every field described (for kubectl explain) and patterns the API server's RE2 engine can compile.
import { re2Problem } from '../contract/re2.ts';

export type JsonSchema = { [key: string]: unknown };

const JUNCTORS = ['anyOf', 'oneOf', 'allOf', 'not'];
const OPAQUE = ['x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields'];

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasTypeInside(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasTypeInside);
  if (!isObject(value)) return false;
  return 'type' in value || Object.values(value).some(hasTypeInside);
}

/** Problems found, each prefixed with the schema path (`.spec.scaling.minReplicas`); empty when structural. */
export function structuralProblems(schema: JsonSchema, path = '', isRoot = true): string[] {
  const at = path === '' ? '<root>' : path;
  const problems: string[] = [];
  if ('$ref' in schema) problems.push(`${at}: $ref is not allowed`);
  for (const junctor of JUNCTORS) {
    if (junctor in schema && hasTypeInside(schema[junctor])) problems.push(`${at}: ${junctor} must not specify types`);
  }
  if (!('type' in schema) && !OPAQUE.some((k) => schema[k] === true)) problems.push(`${at}: type is missing`);
  // Root metadata is the one node the API server forbids a description on.
  if (!isRoot && path !== '.metadata' && typeof schema.description !== 'string') problems.push(`${at}: description is missing`);
  if ('properties' in schema && 'additionalProperties' in schema) {
    problems.push(`${at}: properties and additionalProperties are mutually exclusive`);
  }
  if (schema.additionalProperties === false) problems.push(`${at}: additionalProperties: false is not allowed`);
  const patternProblem = typeof schema.pattern === 'string' ? re2Problem(schema.pattern) : undefined;
  if (patternProblem) problems.push(`${at}: pattern: ${patternProblem}`);
  if (schema['x-kubernetes-list-type'] === 'map') problems.push(...listMapProblems(schema, at));

  if (isObject(schema.properties)) {
    for (const [name, child] of Object.entries(schema.properties)) {
      if (isObject(child)) problems.push(...structuralProblems(child, `${path}.${name}`, false));
    }
  }
  if (isObject(schema.items)) problems.push(...structuralProblems(schema.items, `${path}[*]`, false));
  if (isObject(schema.additionalProperties)) {
    problems.push(...structuralProblems(schema.additionalProperties, `${path}{*}`, false));
  }
  return problems;
}

function listMapProblems(schema: JsonSchema, at: string): string[] {
  const keys = schema['x-kubernetes-list-map-keys'];
  const items = schema.items;
  if (!Array.isArray(keys) || keys.length === 0 || !isObject(items)) return [`${at}: list-type map needs list-map-keys and object items`];
  const required = Array.isArray(items.required) ? items.required : [];
  const properties = isObject(items.properties) ? items.properties : {};
  return keys
    .filter((k) => !required.includes(k) && !(isObject(properties[k]) && 'default' in properties[k]))
    .map((k) => `${at}: list-map key ${String(k)} must be required or defaulted`);
}
