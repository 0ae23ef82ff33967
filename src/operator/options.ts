// `tpo operator` flags -> OperatorOptions. Pure, so the parsing is table-tested.
import { parseArgs } from 'node:util';
import { DEFAULT_COLLECTOR_IMAGE } from './render/index.ts';

export interface OperatorOptions {
  kubeconfig: string | undefined;
  /** Watch scope; undefined watches all namespaces. */
  namespace: string | undefined;
  concurrency: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  metricsAddr: string;
  healthAddr: string;
  collectorImage: string;
  resyncSeconds: number;
  watchTimeoutSeconds: number;
  /** Relist when a watch stays silent this long (0: twice the watch timeout plus a minute). */
  watchInactivitySeconds: number;
  logLevel: string;
}

export const USAGE = `usage: tpo operator [options]
  --kubeconfig PATH              kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
  --namespace NS                 watch only this namespace (default: all)
  --concurrency N                reconciles running at once (default 10)
  --leader-elect                 run only while holding the leader Lease
  --leader-election-namespace NS namespace of the Lease (default: $POD_NAMESPACE, --namespace, or "default")
  --leader-election-id NAME      name of the Lease (default telemetry-pipeline-operator)
  --metrics-addr HOST:PORT       /metrics listener (default 127.0.0.1:8080)
  --health-addr HOST:PORT        /healthz and /readyz listener (default 127.0.0.1:8081)
  --collector-image IMAGE        image for pipelines without spec.image (default ${DEFAULT_COLLECTOR_IMAGE})
  --resync SECONDS               re-reconcile every pipeline this often (default 300, 0 disables)
  --watch-timeout SECONDS        server-side watch timeout, randomised up to twice this (default 300)
  --watch-inactivity SECONDS     relist after this long without a watch event (default 2 x timeout + 60)
  --log-level LEVEL              pino level (default info)
`;

function int(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected an integer >= ${min}, got "${value}"`);
  return n;
}

export function parseOperatorArgs(args: string[], env: Record<string, string | undefined> = process.env): OperatorOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      concurrency: { type: 'string' },
      'leader-elect': { type: 'boolean' },
      'leader-election-namespace': { type: 'string' },
      'leader-election-id': { type: 'string' },
      'metrics-addr': { type: 'string' },
      'health-addr': { type: 'string' },
      'collector-image': { type: 'string' },
      resync: { type: 'string' },
      'watch-timeout': { type: 'string' },
      'watch-inactivity': { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  const watchTimeoutSeconds = int('watch-timeout', values['watch-timeout'], 300, 1);
  return {
    kubeconfig: values.kubeconfig,
    namespace: values.namespace,
    concurrency: int('concurrency', values.concurrency, 10, 1),
    leaderElect: values['leader-elect'] ?? false,
    leaderElectionNamespace: values['leader-election-namespace'] ?? env['POD_NAMESPACE'] ?? values.namespace ?? 'default',
    leaderElectionId: values['leader-election-id'] ?? 'telemetry-pipeline-operator',
    metricsAddr: values['metrics-addr'] ?? '127.0.0.1:8080',
    healthAddr: values['health-addr'] ?? '127.0.0.1:8081',
    collectorImage: values['collector-image'] ?? DEFAULT_COLLECTOR_IMAGE,
    resyncSeconds: int('resync', values.resync, 300, 0),
    watchTimeoutSeconds,
    watchInactivitySeconds: int('watch-inactivity', values['watch-inactivity'], 2 * watchTimeoutSeconds + 60, 1),
    logLevel: values['log-level'] ?? 'info',
  };
}
