// The operator works on raw JSON objects as the API server sends them (no model classes),
// so what the informer caches, what apply compares and what status writes are all the same shape.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** The `metav1.Status` body of an error response or a watch ERROR event. */
export interface StatusObject {
  kind?: 'Status';
  code?: number;
  reason?: string;
  message?: string;
}

export function objectKey(obj: { metadata: { name: string; namespace?: string } }): string {
  const { name, namespace } = obj.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * Orders two resourceVersions. They are opaque by contract, but every API server backed by etcd
 * uses decimal revisions, which is what client-go's mutation cache relies on too. Returns
 * undefined when either is missing or not a number, meaning "unknown: accept the newer event".
 */
export function compareResourceVersions(a: string | undefined, b: string | undefined): number | undefined {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
