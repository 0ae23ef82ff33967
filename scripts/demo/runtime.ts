// Where the demo's operator and collectors run (pure): on the real node (containers under a kubelet) wherever this
// machine can run it, otherwise on the process runtime (KWOK pods, a `tpo collector` process per pod); --runtime
// overrides. The choice and its reason are the demo's first line.
import type { KubeObject } from '../../src/operator/kube/types.ts';
import type { OtlpSink } from '../../test/support/otlp-sink.ts';
import type { DemoCluster } from './cluster.ts';
import type { DemoSession } from './session.ts';

export const RUNTIMES = ['real', 'process'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

export interface RuntimeChoice {
  runtime: RuntimeName;
  /** One line: which runtime and why. */
  headline: string;
}

const WHAT: Record<RuntimeName, string> = {
  real: 'real node (the operator and the collectors run as containers under a kubelet on 198.18.0.1, load goes through the Service\'s ClusterIP)',
  process: 'process runtime (KWOK pods; the operator and a `tpo collector` per pod run as local processes on the pods\' loopback IPs)',
};

/** The one-line error for `--runtime real` on a machine that cannot run the real node. */
export class RuntimeUnavailable extends Error {}

/**
 * `flag` is --runtime (undefined: choose); `unavailable` is why this machine cannot run the real node, undefined
 * when it can (test/cluster's preflight: Linux, root, overlayfs, memory cgroup, br_netfilter).
 */
export function chooseRuntime(flag: RuntimeName | undefined, unavailable: string | undefined): RuntimeChoice {
  if (flag === 'real' && unavailable !== undefined) throw new RuntimeUnavailable(`--runtime real: ${unavailable}`);
  if (flag !== undefined) return { runtime: flag, headline: `runtime: ${WHAT[flag]}, as --runtime ${flag} asks` };
  if (unavailable === undefined) {
    return { runtime: 'real', headline: `runtime: ${WHAT.real}, because this machine can run it (Linux, root, overlayfs); --runtime process for local processes instead` };
  }
  return { runtime: 'process', headline: `runtime: ${WHAT.process}, because the real node cannot run here: ${unavailable}` };
}

/** What the demo needs from a runtime once it has set up the operator, the sink and whatever runs collectors. */
export interface DemoFleet {
  /** The demo's downstream OTLP sink, listening where the collectors reach it. */
  sink: OtlpSink;
  /** The demo TelemetryPipeline as this runtime needs it (placement onto the real node). */
  place(pipeline: KubeObject): KubeObject;
  /**
   * After the pipeline is applied: waits for a serving collector; resolves with the load's targets (asked every
   * tick) and, in words, how the load reaches the collectors.
   */
  serve(): Promise<{ targets: () => string[]; via: string }>;
  /** IPs of the collectors serving now (their self-metrics are scraped for refusals). */
  serving(): string[];
  /** Exports in flight per load target (on the real node one ClusterIP carries all the load). */
  maxInFlightPerTarget: number | undefined;
}

export interface FleetContext {
  session: DemoSession;
  cluster: DemoCluster;
  namespace: string;
  pipeline: string;
  runDir: string;
}
