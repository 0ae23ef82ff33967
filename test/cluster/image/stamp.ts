// Content hashes that decide whether a cached image still matches what would be built (pure).
import { createHash } from 'node:crypto';

/** Image label holding the hash of the recipe an image was built from. */
export const STAMP_LABEL = 'tpo.stamp';

/** sha256 (hex) of a recipe: any change to a value that goes into an image changes it. */
export function stampOf(recipe: unknown): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex');
}

export type ContextFile = { path: string; mode: 'file' | 'executable' | 'symlink'; content: Buffer };

/**
 * Tag of an image built from `files` (path, kind and bytes, in any order) plus `inputs` (base image stamp, build
 * arguments): 16 hex digits of a sha256, so an unchanged tree maps to the same tag and any change to a new one.
 */
export function contentTag(files: readonly ContextFile[], inputs: unknown): string {
  const hash = createHash('sha256').update(JSON.stringify(inputs));
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`\0${file.path}\0${file.mode}\0${file.content.length}\0`).update(file.content);
  }
  return hash.digest('hex').slice(0, 16);
}
