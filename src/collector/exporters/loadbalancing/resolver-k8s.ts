// The `k8s` resolver: watches the EndpointSlices of a Service (label kubernetes.io/service-name) with the project's
// own Kubernetes client and informer (src/operator/kube: generic list/watch code, no operator logic), loaded only
// when a config names this resolver. The backends are the ready endpoints (conditions.ready absent or true) of all
// the Service's slices: their addresses, or with return_hostnames `<hostname>.<service>.<namespace>`, each joined
// with every port of `ports`; sorted, passed on when the set changes, as upstream's resolver reports them. Beside
// them it reports the endpoints that are terminating but still serving (a sampler in its preStop wait): not on the
// ring, they stay destinations for the traces pinned to them (trace-pins.ts). Routing never reads this module.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { KubeClient } from '../../../operator/kube/client.ts';
import { Informer } from '../../../operator/kube/informer.ts';
import { listerWatcher } from '../../../operator/kube/list-watch.ts';
import type { ResourceType } from '../../../operator/kube/resources.ts';
import type { KubeObject } from '../../../operator/kube/types.ts';
import type { LoadBalancerMetrics } from './metrics.ts';
import { sameList, type OnBackends, type Resolver } from './resolvers.ts';
import { parseServiceName } from './service-name.ts';

const ENDPOINT_SLICES: ResourceType = { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true };
const IN_CLUSTER_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

interface EndpointSlice extends KubeObject {
  endpoints?: { addresses?: string[]; hostname?: string; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean } }[];
}

/** Go's net.JoinHostPort. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

type SliceEndpoint = NonNullable<EndpointSlice['endpoints']>[number];

/** Upstream's backends: ready, or with no readiness reported. */
const isReady = (endpoint: SliceEndpoint) => endpoint.conditions?.ready !== false;
/** Leaving but still answering: EndpointSlice's serving and terminating conditions both true. */
const isDraining = (endpoint: SliceEndpoint) => !isReady(endpoint) && endpoint.conditions?.serving === true && endpoint.conditions.terminating === true;

function endpointsWhere(slices: Iterable<EndpointSlice>, service: { name: string; namespace: string }, ports: readonly number[], returnHostnames: boolean, keep: (endpoint: SliceEndpoint) => boolean): string[] {
  const hosts = new Set<string>();
  for (const slice of slices) {
    for (const endpoint of slice.endpoints ?? []) {
      if (!keep(endpoint)) continue;
      for (const address of endpoint.addresses ?? []) {
        if (!returnHostnames) hosts.add(address);
        else if (endpoint.hostname) hosts.add(`${endpoint.hostname}.${service.name}.${service.namespace}`);
      }
    }
  }
  const backends = [...hosts].flatMap((host) => (ports.length === 0 ? [host] : ports.map((port) => joinHostPort(host, port))));
  return backends.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** The backends of a Service's slices: ready endpoints, by address or hostname, with each port; sorted. */
export function backendsOf(slices: Iterable<EndpointSlice>, service: { name: string; namespace: string }, ports: readonly number[], returnHostnames: boolean): string[] {
  return endpointsWhere(slices, service, ports, returnHostnames, isReady);
}

/** The endpoints terminating but still serving, as backendsOf names them, less any also ready in another slice. */
export function drainingOf(slices: readonly EndpointSlice[], service: { name: string; namespace: string }, ports: readonly number[], returnHostnames: boolean): string[] {
  const ready = new Set(backendsOf(slices, service, ports, returnHostnames));
  return endpointsWhere(slices, service, ports, returnHostnames, isDraining).filter((endpoint) => !ready.has(endpoint));
}

export interface K8sOptions {
  readonly service: string;
  readonly ports: readonly number[];
  readonly returnHostnames: boolean;
  /** Server-side watch timeout (each watch takes a random value in [t, 2t)). */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** A client for the API server; by default from the in-cluster service account or the kubeconfig. */
  readonly client?: KubeClient;
}

async function defaultClient(): Promise<KubeClient> {
  const [{ KubeConfig }, { KubeClient: Client }] = await Promise.all([import('@kubernetes/client-node'), import('../../../operator/kube/client.ts')]);
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return new Client(kc, { userAgent: 'tpo-collector' });
}

function ownNamespace(logger: Logger): string {
  try {
    return readFileSync(IN_CLUSTER_NAMESPACE, 'utf8').trim();
  } catch (error) {
    logger.warn({ error: (error as Error).message }, 'could not determine the namespace for this collector, will use "default" as the namespace');
    return 'default';
  }
}

export class K8sResolver implements Resolver {
  readonly name = 'k8s' as const;
  readonly #options: K8sOptions;
  readonly #metrics: LoadBalancerMetrics;
  #informer: Informer<EndpointSlice> | undefined;
  #client: KubeClient | undefined;
  #endpoints: string[] | undefined;
  #draining: string[] = [];

  constructor(options: K8sOptions, metrics: LoadBalancerMetrics) {
    this.#options = options;
    this.#metrics = metrics;
  }

  /** Resolves once the first list is in, as upstream waits for its informer's sync. */
  async start(onBackends: OnBackends): Promise<void> {
    const parsed = parseServiceName(this.#options.service);
    if ('error' in parsed) throw new Error(parsed.error);
    const service = { name: parsed.name, namespace: parsed.namespace ?? ownNamespace(this.#options.logger) };
    this.#client = this.#options.client ?? (await defaultClient());
    const informer = new Informer<EndpointSlice>({
      name: `endpointslices ${service.namespace}/${service.name}`,
      lw: listerWatcher<EndpointSlice>(this.#client, ENDPOINT_SLICES, { namespace: service.namespace, labelSelector: `kubernetes.io/service-name=${service.name}`, watchTimeoutSeconds: Math.max(1, Math.floor(this.#options.timeoutMs / 1000)) }),
      log: this.#options.logger,
    });
    const update = () => {
      const { ports, returnHostnames } = this.#options;
      const slices = [...informer.store.values()];
      const backends = backendsOf(slices, service, ports, returnHostnames);
      const draining = drainingOf(slices, service, ports, returnHostnames);
      this.#metrics.numResolutions.inc({ success: 'true', resolver: this.name });
      const sameBackends = this.#endpoints !== undefined && sameList(this.#endpoints, backends);
      if (sameBackends && sameList(this.#draining, draining)) return;
      this.#draining = draining;
      if (!sameBackends) {
        this.#endpoints = backends;
        this.#metrics.numBackends.set({ resolver: this.name }, backends.length);
        this.#metrics.numBackendUpdates.inc({ resolver: this.name });
      }
      onBackends(backends, draining);
    };
    informer.on({ add: update, update, delete: update });
    this.#informer = informer;
    informer.start();
    await informer.waitForSync();
    update();
  }

  shutdown(): void {
    void this.#informer?.stop();
    if (!this.#options.client) this.#client?.close();
  }
}
