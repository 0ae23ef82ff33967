// The demo's live terminal view (pure): a frame of lines from the latest fleet sample. On a TTY the
// frame is redrawn in place with ANSI cursor movement; otherwise one plain line is printed now and then.
import type { FleetSample } from '../../test/support/fleet-sampler.ts';

export interface ViewContext {
  title: string;
  totalSeconds: number;
  /** Spans/s one replica is sized for at target utilization. */
  perReplica: number;
  color: boolean;
}

const BAR = 30;

function bar(fraction: number, width = BAR): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

const n0 = (x: number | undefined) => (x === undefined ? '-' : Math.round(x).toLocaleString('en-US'));

function paint(text: string, code: string, on: boolean): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}

export function frame(sample: FleetSample | undefined, ctx: ViewContext): string[] {
  const load = sample?.load;
  const elapsed = Math.min(load?.elapsed ?? 0, ctx.totalSeconds);
  const replicas = sample?.replicas;
  const capacity = replicas === undefined ? undefined : replicas * ctx.perReplica;
  const measured = sample?.autoscaling?.spansPerSecond;
  const usage = capacity && measured !== undefined ? measured / capacity : 0;
  const refused = (sample?.refused ?? 0) + (load?.failed ?? 0);
  return [
    paint(ctx.title, '1', ctx.color),
    `progress  ${bar(elapsed / ctx.totalSeconds)} ${Math.round(elapsed)}/${ctx.totalSeconds} s  ${load?.phase || 'starting'}`,
    `load      ${n0(load?.rate)} spans/s offered   ${n0(load?.acked)} acknowledged   ${n0(load?.inFlight)} in flight`,
    `measured  ${n0(measured)} spans/s against capacity ${n0(capacity)} (${replicas ?? '-'} x ${ctx.perReplica})  ${bar(usage, 20)} ${Math.round(usage * 100)} %`,
    `replicas  ${replicas ?? '-'} desired ${sample?.autoscaling?.desiredReplicas ?? '-'}   serving ${sample?.serving ?? '-'}   ready ${sample?.readyReplicas ?? '-'}`,
    `refusals  ${paint(n0(refused), refused > 0 ? '33' : '32', ctx.color)} (collectors ${n0(sample?.refused)}, client failures ${n0(load?.failed)})`,
    `decision  ${sample?.autoscaling?.reason ?? 'waiting for the first evaluation'}`,
  ];
}

/** One plain line for a log (not a TTY). */
export function line(sample: FleetSample | undefined, ctx: ViewContext): string {
  const load = sample?.load;
  return [
    `t=${Math.round(load?.elapsed ?? 0)}s`,
    `phase=${JSON.stringify(load?.phase || 'starting')}`,
    `offered=${Math.round(load?.rate ?? 0)}/s`,
    `measured=${Math.round(sample?.autoscaling?.spansPerSecond ?? 0)}/s`,
    `capacity=${(sample?.replicas ?? 0) * ctx.perReplica}/s`,
    `replicas=${sample?.replicas ?? '-'}`,
    `serving=${sample?.serving ?? '-'}`,
    `acked=${load?.acked ?? 0}`,
    `refused=${(sample?.refused ?? 0) + (load?.failed ?? 0)}`,
  ].join(' ');
}

/** Cuts a line to `width` visible characters (ANSI sequences cost nothing), so no line wraps. */
export function fit(text: string, width: number): string {
  let out = '';
  let visible = 0;
  for (let i = 0; i < text.length; i++) {
    const escape = /^\u001b\[[0-9;]*[A-Za-z]/.exec(text.slice(i));
    if (escape) {
      out += escape[0];
      i += escape[0].length - 1;
      continue;
    }
    if (visible >= width) continue;
    out += text[i];
    visible++;
  }
  return out;
}

/** Redraws a frame in place: cursor up over the previous frame, clear each line, write. */
export function redraw(lines: readonly string[], previousHeight: number, width: number): string {
  const up = previousHeight > 0 ? `\u001b[${previousHeight}A` : '';
  return `${up}${lines.map((l) => `\u001b[2K\r${fit(l, width - 1)}`).join('\n')}\n`;
}
