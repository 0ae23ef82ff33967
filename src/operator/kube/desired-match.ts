// Decides, without a request, whether server-side applying `desired` would change the live object.
// Two checks, both needed:
// - the hash of the desired object, stored in an annotation by the previous apply, catches fields
//   the operator stopped setting (SSA removes them, a subset check cannot see their absence);
// - "desired is a subset of live" catches drift: another writer changed a field the operator owns.
// The API server normalises some values (resource quantities, defaulted empty fields), which the
// subset check tolerates; anything it misjudges only costs a redundant, harmless apply.
import { createHash } from 'node:crypto';
import { parseQuantity } from '../../api/quantity.ts';
import type { KubeObject } from './types.ts';

export const APPLIED_HASH_ANNOTATION = 'fleet.telemetry.dev/applied-hash';

/** JSON with object keys sorted, so equal values hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

/** A copy of `desired` carrying the hash of its own content in the applied-hash annotation. */
export function withAppliedHash<T extends KubeObject>(desired: T): T {
  const { [APPLIED_HASH_ANNOTATION]: _ignored, ...annotations } = desired.metadata.annotations ?? {};
  const bare = { ...desired, metadata: { ...desired.metadata, annotations } };
  return { ...bare, metadata: { ...bare.metadata, annotations: { ...annotations, [APPLIED_HASH_ANNOTATION]: hashOf(bare) } } };
}

/** True when applying `desired` (as returned by withAppliedHash) to `live` would be a no-op. */
export function isUpToDate(desired: KubeObject, live: KubeObject | undefined): boolean {
  if (!live || live.metadata.deletionTimestamp) return false;
  const want = desired.metadata.annotations?.[APPLIED_HASH_ANNOTATION];
  if (!want || live.metadata.annotations?.[APPLIED_HASH_ANNOTATION] !== want) return false;
  return isSubset(desired, live, []);
}

const isEmpty = (v: unknown) =>
  v === null || v === undefined || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v).length === 0);

/** Every value set in `want` is present and equal in `have` (arrays element by element, same length). */
export function isSubset(want: unknown, have: unknown, path: readonly string[]): boolean {
  if (isEmpty(want)) return isEmpty(have) || (typeof want === typeof have && Array.isArray(want) === Array.isArray(have));
  if (Array.isArray(want)) {
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => isSubset(w, have[i], [...path, String(i)]));
  }
  if (typeof want === 'object') {
    if (!have || typeof have !== 'object' || Array.isArray(have)) return false;
    const h = have as Record<string, unknown>;
    return Object.entries(want as Record<string, unknown>).every(([k, w]) => isSubset(w, h[k], [...path, k]));
  }
  if (want === have) return true;
  return isQuantityPath(path) && sameQuantity(want, have);
}

// resources.{limits,requests}.<name>: the server stores quantities in canonical form ("0.5" -> "500m").
function isQuantityPath(path: readonly string[]): boolean {
  const n = path.length;
  return n >= 3 && path[n - 3] === 'resources' && (path[n - 2] === 'limits' || path[n - 2] === 'requests');
}

function sameQuantity(a: unknown, b: unknown): boolean {
  if ((typeof a !== 'string' && typeof a !== 'number') || (typeof b !== 'string' && typeof b !== 'number')) return false;
  try {
    const x = parseQuantity(a);
    const y = parseQuantity(b);
    return Math.abs(x - y) <= Math.abs(x) * 1e-12;
  } catch {
    return false;
  }
}
