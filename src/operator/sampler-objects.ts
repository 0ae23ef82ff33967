// Which objects of a pipeline's sampling tier to apply, and which to delete once tailSampling is gone. Pure over
// the rendered tier and the informer caches.
import { fleetName } from './render/index.ts';
import { samplerName, type SamplerTier } from './render/sampler-tier.ts';
import { API_VERSION, KIND } from '../api/constants.ts';
import type { Store } from './kube/store.ts';
import type { KubeObject } from './kube/types.ts';

export type SamplerKind = 'serviceAccount' | 'configMap' | 'service' | 'deployment' | 'podDisruptionBudget' | 'role' | 'roleBinding';

interface Owned {
  kind: SamplerKind;
  object: KubeObject;
}

/** The tier's objects in two waves: everything its pods need (and the routing tier's RBAC), then the Deployment. */
export function samplerDesired(tier: SamplerTier): [Owned[], Owned[]] {
  const own = (kind: SamplerKind, object: object): Owned => ({ kind, object: object as KubeObject });
  return [
    [
      own('serviceAccount', tier.serviceAccount),
      own('configMap', tier.configMap),
      own('service', tier.service),
      own('podDisruptionBudget', tier.podDisruptionBudget),
      own('role', tier.role),
      own('roleBinding', tier.roleBinding),
    ],
    [own('deployment', tier.deployment)],
  ];
}

const SAMPLER_NAMED: readonly SamplerKind[] = ['deployment', 'service', 'podDisruptionBudget', 'configMap', 'serviceAccount'];
const ROUTING_NAMED: readonly SamplerKind[] = ['roleBinding', 'role'];

function controlledBy(obj: KubeObject, pipelineName: string): boolean {
  return !!obj.metadata.ownerReferences?.some((r) => r.controller && r.kind === KIND && r.apiVersion === API_VERSION && r.name === pipelineName);
}

/**
 * The sampling tier's objects the caches still hold for a pipeline without tailSampling, those it controls only:
 * the Deployment first, so its pods stop before their ServiceAccount and ConfigMap go.
 */
export function samplerPrunable(namespace: string, pipelineName: string, stores: (kind: SamplerKind) => Pick<Store<KubeObject>, 'get'>): Owned[] {
  const found: Owned[] = [];
  const look = (kinds: readonly SamplerKind[], name: string) => {
    for (const kind of kinds) {
      const object = stores(kind).get(`${namespace}/${name}`);
      if (object && controlledBy(object, pipelineName)) found.push({ kind, object });
    }
  };
  look(SAMPLER_NAMED, samplerName(pipelineName));
  look(ROUTING_NAMED, fleetName(pipelineName));
  return found;
}
