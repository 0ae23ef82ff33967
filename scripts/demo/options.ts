// `npm run demo -- [flags]`: flag parsing and the load schedule the flags call for (pure).
import { parseArgs } from 'node:util';
import type { Phase } from '../../test/support/load-schedule.ts';
import { RUNTIMES, type RuntimeName } from './runtime.ts';

export const USAGE = `usage: npm run demo -- [options]
  --runtime real|process
                       real: the operator (Helm chart) and the collectors as containers on the local
                       cluster's real node; process: KWOK pods with a local process per collector.
                       Default: real where this machine can run it (Linux, root, overlayfs), else process
  --short              a short ramp (about 70 s of load, CI-like)
  --duration SECONDS   length of the load schedule (default 160, --short 70; 50..900)
  --kubeconfig PATH    use this kubeconfig's current context when it is the local control plane
                       (default: $KUBECONFIG or ~/.kube/config when reachable, else the local control plane)
  --out DIR            where the chart, logs and collector files go (default .demo/)
  --keep-cluster       leave a local control plane and real node the demo started running at the end
                       (TPO_KEEP_NODE=1 keeps the real node)
  --help

At the end, or on Ctrl-C, the demo stops everything it started: the load, the OTLP sink, the operator (its
Helm release on the real node, its process otherwise), the collectors, its namespace, and the real node and
local control plane if it started them (ones that were already running are left running).
`;

export interface DemoOptions {
  /** --runtime; undefined: the real node where this machine can run it. */
  runtime: RuntimeName | undefined;
  durationSeconds: number;
  kubeconfig: string | undefined;
  outDir: string | undefined;
  keepCluster: boolean;
  help: boolean;
}

const SHORT_SECONDS = 70;
const DEFAULT_SECONDS = 160;
const MIN_SECONDS = 50;
const MAX_SECONDS = 900;

export function parseDemoArgs(args: readonly string[]): DemoOptions {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      runtime: { type: 'string' },
      short: { type: 'boolean' },
      duration: { type: 'string' },
      kubeconfig: { type: 'string' },
      out: { type: 'string' },
      'keep-cluster': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  let durationSeconds = values.short ? SHORT_SECONDS : DEFAULT_SECONDS;
  if (values.duration !== undefined) {
    const n = Number(values.duration);
    if (!Number.isInteger(n) || n < MIN_SECONDS || n > MAX_SECONDS) {
      throw new Error(`--duration: expected whole seconds in ${MIN_SECONDS}..${MAX_SECONDS}, got "${values.duration}"`);
    }
    durationSeconds = n;
  }
  const runtime = values.runtime;
  if (runtime !== undefined && !(RUNTIMES as readonly string[]).includes(runtime)) {
    throw new Error(`--runtime: expected ${RUNTIMES.join(' or ')}, got "${runtime}"`);
  }
  return {
    runtime: runtime as RuntimeName | undefined,
    durationSeconds,
    kubeconfig: values.kubeconfig,
    outDir: values.out,
    keepCluster: values['keep-cluster'] ?? false,
    help: values.help ?? false,
  };
}

/** Peak load: 4.7 replicas' worth at 140 spans/s per replica (the sample's 200 x 0.7), so the fleet settles at 5. */
export const PEAK_SPANS_PER_SECOND = 660;

/**
 * Ramp up, a noisy plateau at the peak, ramp down, then idle long enough for the 30 s scale-down window
 * and two evaluation periods: the idle phase is fixed at 40 s, the rest of the duration is shared
 * 2 : 3 : 1 by ramp up, plateau and ramp down.
 */
export function demoSchedule(durationSeconds: number): Phase[] {
  const idle = 40;
  const active = Math.max(durationSeconds - idle, 3);
  const up = Math.max(1, Math.round((active * 2) / 6));
  const down = Math.max(1, Math.round(active / 6));
  const plateau = active - up - down;
  return [
    { label: 'ramp up', seconds: up, from: 0, to: PEAK_SPANS_PER_SECOND },
    { label: 'peak (noisy)', seconds: plateau, from: PEAK_SPANS_PER_SECOND, noise: 0.05 },
    { label: 'ramp down', seconds: down, from: PEAK_SPANS_PER_SECOND, to: 0 },
    { label: 'idle', seconds: idle, from: 0 },
  ];
}
