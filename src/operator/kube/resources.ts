// REST paths for the resource types the operator touches.
import { GROUP, KIND, PLURAL, VERSION } from '../../api/constants.ts';

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

const core = (plural: string, kind: string): ResourceType => ({ group: '', version: 'v1', plural, kind, namespaced: true });

export const resources = {
  pipeline: { group: GROUP, version: VERSION, plural: PLURAL, kind: KIND, namespaced: true },
  configMap: core('configmaps', 'ConfigMap'),
  service: core('services', 'Service'),
  serviceAccount: core('serviceaccounts', 'ServiceAccount'),
  pod: core('pods', 'Pod'),
  namespace: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false },
  deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  statefulSet: { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  job: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true },
  persistentVolumeClaim: core('persistentvolumeclaims', 'PersistentVolumeClaim'),
  podDisruptionBudget: { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true },
  role: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true },
  roleBinding: { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  lease: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  event: { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true },
  crd: { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false },
} satisfies Record<string, ResourceType>;

export function apiVersionOf(rt: ResourceType): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

/** `/api/v1/namespaces/ns/configmaps` or `/apis/apps/v1/deployments` (all namespaces). */
export function collectionPath(rt: ResourceType, namespace?: string): string {
  const root = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
  return rt.namespaced && namespace ? `${root}/namespaces/${encodeURIComponent(namespace)}/${rt.plural}` : `${root}/${rt.plural}`;
}

export function objectPath(rt: ResourceType, namespace: string | undefined, name: string, subresource?: string): string {
  const base = `${collectionPath(rt, namespace)}/${encodeURIComponent(name)}`;
  return subresource ? `${base}/${subresource}` : base;
}

/** The resource (plus subresource) a request path addresses, for metric labels: `deployments`, `telemetrypipelines/status`. */
export function resourceOfPath(path: string): string {
  const parts = path.split('?')[0]!.split('/').filter(Boolean);
  // /api/v1/... or /apis/group/version/...
  let i = parts[0] === 'api' ? 2 : 3;
  if (parts[i] === 'namespaces' && parts.length > i + 2) i += 2;
  const resource = parts[i] ?? 'unknown';
  const sub = parts[i + 2];
  return sub ? `${resource}/${sub}` : resource;
}
