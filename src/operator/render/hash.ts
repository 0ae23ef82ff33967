// The collector config as stable text, and its hash for the pod template annotation.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

/** YAML with map keys sorted, so equal configs give equal text whatever order their maps were built in. */
export function stableYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0 });
}

/** 16 hex digits (64 bits) of SHA-256: short enough for an annotation, far from colliding across one fleet's history. */
export function configHash(configText: string): string {
  return createHash('sha256').update(configText).digest('hex').slice(0, 16);
}
