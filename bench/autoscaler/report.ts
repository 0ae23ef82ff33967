// The benchmark's table and its targets (pure).
import type { Figures } from './score.ts';

export type ModelResult = Figures & { events: { t: number; from: number; to: number }[]; reasons: string[] };

export interface TraceResult {
  trace: string;
  durationSeconds: number;
  /** By model: throughput (the product), cpu-hpa (the comparison), and variants. */
  models: Record<string, ModelResult>;
}

export interface Target {
  name: string;
  met: boolean;
  detail: string;
}

const OURS = 'throughput';
const THEIRS = 'cpu-hpa';

const steps = (f: Figures) =>
  f.steps.length === 0 ? '-' : f.steps.map((s) => `${s.decidedSeconds ?? 'never'}/${s.readySeconds ?? 'never'}`).join(' ');

export function resultsTable(results: readonly TraceResult[]): string {
  const head = ['trace', 'model', 'to capacity s (decided/ready)', 'under capacity s (longest)', 'refused M spans', 'over-ideal replica-s', 'replica-s', 'scale events'];
  const rows = results.flatMap((r) =>
    Object.entries(r.models).map(([model, f]) => [
      r.trace,
      model,
      steps(f),
      `${f.secondsUnderCapacity} (${f.longestUnderCapacitySeconds})`,
      (f.refusedSpans / 1e6).toFixed(2),
      String(f.replicaSecondsOverIdeal),
      String(f.replicaSeconds),
      String(f.scaleEvents),
    ]),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function checkTargets(results: readonly TraceResult[], periodSeconds: number): Target[] {
  const ours = (r: TraceResult) => r.models[OURS] as ModelResult;
  const theirs = (r: TraceResult) => r.models[THEIRS] as ModelResult;
  const targets: Target[] = [];
  const stepped = results.flatMap((r) => ours(r).steps.map((s) => ({ trace: r.trace, ...s })));
  const slowest = Math.max(...stepped.map((s) => s.decidedSeconds ?? Number.POSITIVE_INFINITY));
  targets.push({
    name: `enough capacity decided within 2 evaluation periods (${2 * periodSeconds} s) of a step up`,
    met: slowest <= 2 * periodSeconds,
    detail: stepped.map((s) => `${s.trace}@${s.at}s decided in ${s.decidedSeconds ?? 'never'} s, ready in ${s.readySeconds ?? 'never'} s`).join('; '),
  });
  const overTarget = (name: string, a: number, b: number): Target => ({
    name: `${name}: over-provisioned replica-seconds at most half the CPU HPA's`,
    met: a <= b / 2,
    detail: `${a} vs ${b}${b > 0 ? ` (${Math.round((a / b) * 100)} %)` : ''}`,
  });
  for (const r of results) targets.push(overTarget(r.trace, ours(r).replicaSecondsOverIdeal, theirs(r).replicaSecondsOverIdeal));
  const total = (pick: (r: TraceResult) => Figures) => results.reduce((sum, r) => sum + pick(r).replicaSecondsOverIdeal, 0);
  targets.push(overTarget('all traces', total(ours), total(theirs)));
  const noisy = results.find((r) => r.trace === 'noisy-plateau');
  targets.push({
    name: 'no scale event caused by noise within tolerance',
    met: noisy !== undefined && ours(noisy).scaleEvents === 0,
    detail: `noisy-plateau: ${noisy ? ours(noisy).scaleEvents : '?'} events (CPU HPA: ${noisy ? theirs(noisy).scaleEvents : '?'})`,
  });
  return targets;
}
