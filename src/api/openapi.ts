// zod schema -> structural OpenAPI v3 schema for a CRD. zod's own JSON Schema output (openapi-3.0 target, input
// side so defaulted fields are optional and carry `default`) is normalised to what the API server accepts.
import { z } from 'zod';
import { structuralProblems, type JsonSchema } from './structural.ts';

// Human reading order of the generated YAML; any other key follows alphabetically.
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'required',
  'properties',
  'items',
  'additionalProperties',
];

function rank(key: string): number {
  const index = KEY_ORDER.indexOf(key);
  return index === -1 ? KEY_ORDER.length : index;
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalize(node: JsonSchema): JsonSchema {
  const copy: JsonSchema = { ...node };
  delete copy.$schema;
  // int-or-string is typeless in a structural schema; the typed anyOf zod emits for the union is dropped.
  if (copy['x-kubernetes-int-or-string'] === true) {
    delete copy.anyOf;
    delete copy.oneOf;
    delete copy.type;
  }
  // Strict zod objects reject unknown keys in parseSpec; on the API server, pruning drops them instead.
  if (copy.additionalProperties === false) delete copy.additionalProperties;
  if (isObject(copy.properties)) {
    copy.properties = Object.fromEntries(
      Object.entries(copy.properties).map(([k, v]) => [k, isObject(v) ? normalize(v) : v]),
    );
  }
  if (isObject(copy.items)) copy.items = normalize(copy.items);
  if (isObject(copy.additionalProperties)) copy.additionalProperties = normalize(copy.additionalProperties);
  const keys = Object.keys(copy).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Object.fromEntries(keys.map((k) => [k, copy[k]]));
}

export class SchemaConversionError extends Error {}

/** The structural OpenAPI v3 form of a zod schema; throws when it would not be structural. */
export function toStructuralSchema(schema: z.ZodType): JsonSchema {
  const raw = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    cycles: 'throw',
    unrepresentable: 'throw',
  }) as JsonSchema;
  const structural = normalize(raw);
  const problems = structuralProblems(structural);
  if (problems.length > 0) throw new SchemaConversionError(`schema is not structural:\n${problems.join('\n')}`);
  return structural;
}
