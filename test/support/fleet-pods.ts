// The pods of one collector fleet as the API server reports them, polled: which are Ready (their IPs serve), which
// are terminating, and the container restarts and last termination reasons (OOMKilled, Error) the kubelet records.
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { collectionPath, resources } from '../../src/operator/kube/resources.ts';
import { selectorString } from '../../src/operator/render/labels.ts';

export type PodView = {
  name: string;
  ip: string | undefined;
  node: string | undefined;
  phase: string | undefined;
  ready: boolean;
  terminating: boolean;
  restarts: number;
  lastTermination: { reason?: string; exitCode?: number } | undefined;
  containerId: string | undefined;
};

type PodObject = {
  metadata: { name: string; deletionTimestamp?: string };
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { restartCount: number; containerID?: string; lastState?: { terminated?: { reason?: string; exitCode?: number } } }[];
  };
};

export function podView(pod: PodObject): PodView {
  const container = pod.status?.containerStatuses?.[0];
  return {
    name: pod.metadata.name,
    ip: pod.status?.podIP,
    node: pod.spec?.nodeName,
    phase: pod.status?.phase,
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    terminating: pod.metadata.deletionTimestamp !== undefined,
    restarts: container?.restartCount ?? 0,
    lastTermination: container?.lastState?.terminated,
    containerId: container?.containerID,
  };
}

export async function listFleetPods(client: KubeClient, namespace: string, pipeline: string): Promise<PodView[]> {
  const list = await client.request<{ items: PodObject[] }>('GET', collectionPath(resources.pod, namespace), { query: { labelSelector: selectorString(pipeline) } });
  return list.items.map(podView);
}

/** Polls the fleet's pods every intervalMs; `readyIps()` is what a client may send to right now. */
export class FleetPods {
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #pipeline: string;
  readonly #intervalMs: number;
  #pods: PodView[] = [];
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(client: KubeClient, namespace: string, pipeline: string, intervalMs = 500) {
    this.#client = client;
    this.#namespace = namespace;
    this.#pipeline = pipeline;
    this.#intervalMs = intervalMs;
  }

  async start(): Promise<this> {
    const tick = async (): Promise<void> => {
      this.#pods = await listFleetPods(this.#client, this.#namespace, this.#pipeline).catch(() => this.#pods);
      if (!this.#stopped) this.#timer = setTimeout(() => void tick(), this.#intervalMs);
    };
    await tick();
    return this;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  get pods(): readonly PodView[] {
    return this.#pods;
  }

  readyIps(): string[] {
    return this.#pods.filter((p) => p.ready && !p.terminating && p.ip).map((p) => p.ip!);
  }
}
