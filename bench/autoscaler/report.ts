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

const OURS = 'learned';
/** What the product is compared with: the guide's fixed capacity and the CPU HPA. */
const OTHERS = ['guide', 'cpu-hpa'];
/** The information-only bound: the cheapest fleet never under capacity (standing-peak.ts). */
export const STANDING_PEAK = 'standing-peak';

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

/**
 * What being as rarely under capacity would cost: the standing-peak fleet's over-provisioned replica-seconds beside
 * the product's comparisons', when the run has that model.
 */
function boundNote(r: TraceResult): string {
  const bound = r.models[STANDING_PEAK];
  if (!bound) return '';
  const others = OTHERS.map((name) => `${name} ${(r.models[name] as ModelResult).replicaSecondsOverIdeal}`).join(', ');
  return `; the cheapest fleet never under capacity (${STANDING_PEAK}, knowing the peak) over-provisions ${bound.replicaSecondsOverIdeal} replica-s (${bound.secondsUnderCapacity} s under) against ${others}`;
}

export function checkTargets(results: readonly TraceResult[], periodSeconds: number): Target[] {
  const model = (r: TraceResult, name: string) => r.models[name] as ModelResult;
  const targets: Target[] = [];
  const stepped = results.flatMap((r) => model(r, OURS).steps.map((s) => ({ trace: r.trace, ...s })));
  const slowest = Math.max(...stepped.map((s) => s.decidedSeconds ?? Number.POSITIVE_INFINITY));
  targets.push({
    name: `enough capacity decided within 2 evaluation periods (${2 * periodSeconds} s) of a step up`,
    met: slowest <= 2 * periodSeconds,
    detail: stepped.map((s) => `${s.trace}@${s.at}s decided in ${s.decidedSeconds ?? 'never'} s, ready in ${s.readySeconds ?? 'never'} s`).join('; '),
  });
  for (const r of results) {
    const ours = model(r, OURS);
    const over = OTHERS.map((name) => `${name} ${model(r, name).replicaSecondsOverIdeal}`).join(', ');
    targets.push({
      name: `${r.trace}: fewer over-provisioned replica-seconds than ${OTHERS.join(' and ')}`,
      met: OTHERS.every((name) => ours.replicaSecondsOverIdeal < model(r, name).replicaSecondsOverIdeal),
      detail: `${ours.replicaSecondsOverIdeal} vs ${over}`,
    });
    for (const name of OTHERS) {
      const theirs = model(r, name);
      const met = ours.secondsUnderCapacity <= theirs.secondsUnderCapacity;
      targets.push({
        name: `${r.trace}: no more seconds under capacity than ${name}`,
        met,
        detail: `${ours.secondsUnderCapacity} s vs ${theirs.secondsUnderCapacity} s${met ? '' : boundNote(r)}`,
      });
    }
  }
  const noisy = results.find((r) => r.trace === 'noisy-plateau');
  targets.push({
    name: 'no scale event caused by noise within tolerance',
    met: noisy !== undefined && model(noisy, OURS).scaleEvents === 0,
    detail: `noisy-plateau: ${noisy ? model(noisy, OURS).scaleEvents : '?'} events (CPU HPA: ${noisy ? model(noisy, 'cpu-hpa').scaleEvents : '?'})`,
  });
  return targets;
}
