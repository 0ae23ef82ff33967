// What the process runtime (process-runtime.ts) runs for a collector Pod, decided from the Pod and its
// ConfigMap alone (pure, table-tested): the `tpo collector` arguments with the mounted config path
// replaced by a local file, the container's environment resolved as the kubelet would (values and the
// downward API; Secret keys are named here and read by the runtime at launch), the readiness probe's
// port, and the grace period. Anything it cannot honour exactly is an error naming the field, rather
// than a process that runs differently from the pod spec.
import { parse } from 'yaml';

export interface ContainerSpec {
  name?: string;
  command?: string[];
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { fieldRef?: { fieldPath?: string }; secretKeyRef?: { name?: string; key?: string } } & Record<string, unknown>;
  }[];
  ports?: { name?: string; containerPort?: number }[];
  readinessProbe?: { httpGet?: { path?: string; port?: number | string }; failureThreshold?: number };
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface PodSpecLike {
  metadata: { name: string; namespace?: string; uid?: string; deletionTimestamp?: string };
  spec?: {
    nodeName?: string;
    terminationGracePeriodSeconds?: number;
    containers?: ContainerSpec[];
    volumes?: { name: string; configMap?: { name?: string; items?: { key: string; path: string }[] } }[];
  };
  status?: { phase?: string; podIP?: string };
}

export interface SecretEnv {
  name: string;
  secret: string;
  key: string;
}

/** Where the collector's config comes from: one key of one ConfigMap. */
export interface ConfigSource {
  configMap: string;
  key: string;
}

export interface LaunchPlan {
  /** Arguments after `node src/cli.ts`; CONFIG_PLACEHOLDER stands for the local config file. */
  args: string[];
  env: Record<string, string>;
  /** Variables the kubelet fills from Secret keys of the pod's namespace; the runtime reads them at launch. */
  secretEnv: SecretEnv[];
  config: ConfigSource;
  readiness: { port: number; path: string; failureThreshold: number } | undefined;
  gracePeriodSeconds: number;
}

export const CONFIG_PLACEHOLDER = '\u0000config';
const DEFAULT_GRACE_SECONDS = 30;

export type PlanResult = { ok: true; plan: LaunchPlan } | { ok: false; error: string };

const fail = (error: string): PlanResult => ({ ok: false, error });

/** True for 127.0.0.0/8, ::1 and localhost: the only addresses the runtime lets a collector use. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

export function launchPlan(pod: PodSpecLike): PlanResult {
  const podIP = pod.status?.podIP;
  if (!podIP || !isLoopbackHost(podIP)) return fail(`status.podIP: "${podIP ?? ''}" is not a loopback address`);
  const containers = pod.spec?.containers ?? [];
  if (containers.length !== 1) return fail(`spec.containers: expected one container, found ${containers.length}`);
  const container = containers[0]!;
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  if (argv[0] !== 'tpo' || argv[1] !== 'collector') return fail(`spec.containers[0].command: "${argv.join(' ')}" is not "tpo collector ..."`);

  const args: string[] = ['collector'];
  let config: ConfigSource | undefined;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg !== '--config' && arg !== '-c') {
      args.push(arg);
      continue;
    }
    const path = argv[++i];
    if (path === undefined) return fail('spec.containers[0].command: --config needs a file');
    if (config) return fail('spec.containers[0].command: more than one --config');
    const source = mountedConfigMap(pod, container, path);
    if (typeof source === 'string') return fail(source);
    config = source;
    args.push('--config', CONFIG_PLACEHOLDER);
  }
  if (!config) return fail('spec.containers[0].command: no --config file');

  const resolved = resolveEnv(pod, container, podIP);
  if (typeof resolved === 'string') return fail(resolved);
  return {
    ok: true,
    plan: {
      args,
      ...resolved,
      config,
      readiness: readinessPort(container),
      gracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS,
    },
  };
}

function mountedConfigMap(pod: PodSpecLike, container: ContainerSpec, path: string): ConfigSource | string {
  const mount = (container.volumeMounts ?? []).find((m) => path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
  if (!mount) return `spec.containers[0].command: config file ${path} is on no volume mount`;
  const volume = (pod.spec?.volumes ?? []).find((v) => v.name === mount.name);
  const name = volume?.configMap?.name;
  if (!name) return `spec.volumes[${mount.name}]: not a ConfigMap volume`;
  const relative = path.slice(mount.mountPath.replace(/\/$/, '').length + 1);
  const items = volume.configMap?.items;
  const key = items ? items.find((item) => item.path === relative)?.key : relative;
  if (!key) return `spec.volumes[${mount.name}].configMap.items: no item has path ${relative}`;
  return { configMap: name, key };
}

const FIELD_REFS: Record<string, (pod: PodSpecLike, podIP: string) => string | undefined> = {
  'status.podIP': (_pod, podIP) => podIP,
  'metadata.name': (pod) => pod.metadata.name,
  'metadata.namespace': (pod) => pod.metadata.namespace,
  'metadata.uid': (pod) => pod.metadata.uid,
  'spec.nodeName': (pod) => pod.spec?.nodeName,
};

function resolveEnv(pod: PodSpecLike, container: ContainerSpec, podIP: string): Pick<LaunchPlan, 'env' | 'secretEnv'> | string {
  const env: Record<string, string> = {};
  const secretEnv: SecretEnv[] = [];
  for (const [i, entry] of (container.env ?? []).entries()) {
    const path = `spec.containers[0].env[${i}]`;
    if (entry.valueFrom === undefined) {
      // $(VAR) references to earlier entries, as the kubelet expands them.
      env[entry.name] = (entry.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
      continue;
    }
    const secretRef = entry.valueFrom.secretKeyRef;
    if (secretRef !== undefined) {
      if (!secretRef.name || !secretRef.key) return `${path}.valueFrom.secretKeyRef: name and key are required`;
      secretEnv.push({ name: entry.name, secret: secretRef.name, key: secretRef.key });
      continue;
    }
    const fieldPath = entry.valueFrom.fieldRef?.fieldPath;
    const resolve = fieldPath === undefined ? undefined : FIELD_REFS[fieldPath];
    const value = resolve?.(pod, podIP);
    if (value === undefined) return `${path}.valueFrom: only secretKeyRef and fieldRef to ${Object.keys(FIELD_REFS).join(', ')} are supported`;
    env[entry.name] = value;
  }
  return { env, secretEnv };
}

function readinessPort(container: ContainerSpec): LaunchPlan['readiness'] {
  const get = container.readinessProbe?.httpGet;
  if (!get) return undefined;
  const port = typeof get.port === 'number' ? get.port : container.ports?.find((p) => p.name === get.port)?.containerPort;
  const failureThreshold = container.readinessProbe?.failureThreshold ?? 3;
  return port === undefined ? undefined : { port, path: get.path ?? '/', failureThreshold };
}

const ENDPOINT_FIELDS = ['endpoint', 'traces_endpoint', 'metrics_endpoint', 'logs_endpoint'];

/**
 * Exporter endpoints of a collector config that are not on loopback, as `exporters.<id>.<field>: value`
 * (an unparsable config is reported too). The runtime refuses such a config: tests and demos only ever
 * talk to 127.0.0.0/8 and ::1.
 */
export function nonLoopbackEndpoints(configText: string): string[] {
  let config: unknown;
  try {
    config = parse(configText);
  } catch (err) {
    return [`config: ${(err as Error).message}`];
  }
  const exporters = (config as { exporters?: Record<string, Record<string, unknown> | null> } | null)?.exporters ?? {};
  const found: string[] = [];
  for (const [id, exporter] of Object.entries(exporters)) {
    for (const field of ENDPOINT_FIELDS) {
      const value = exporter?.[field];
      if (value === undefined) continue;
      const host = typeof value === 'string' ? endpointHost(value.replace(/\$\$/g, '$')) : undefined;
      if (host === undefined || !isLoopbackHost(host)) found.push(`exporters.${id}.${field}: ${String(value)}`);
    }
  }
  return found;
}

/** Host of `host:port`, `[v6]:port` or a URL; undefined when it cannot be known (env references). */
function endpointHost(endpoint: string): string | undefined {
  if (endpoint.includes('${')) return undefined;
  if (endpoint.includes('://')) {
    try {
      return new URL(endpoint).hostname;
    } catch {
      return undefined;
    }
  }
  const colon = endpoint.lastIndexOf(':');
  return colon > 0 ? endpoint.slice(0, colon) : endpoint;
}
