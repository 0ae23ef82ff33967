// The demo's chart (pure): load and replicas over time as a small hand-written SVG. Left axis spans/s
// (offered load, the rate the autoscaler measured, and the fleet's capacity at target utilization),
// right axis replicas (a step line).
import type { FleetSample } from '../../test/support/fleet-sampler.ts';

export interface ChartOptions {
  title: string;
  perReplica: number;
  width?: number;
  height?: number;
}

interface Series {
  name: string;
  color: string;
  points: [number, number][];
  axis: 'rate' | 'replicas';
  step?: boolean;
  dash?: string;
}

const PAD = { left: 64, right: 56, top: 44, bottom: 64 };

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round axis maximum and tick step (1, 2 or 5 times a power of ten) for values up to `max`. */
export function niceScale(max: number, ticks = 5): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 1 };
  const raw = max / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
  return { max: Math.ceil(max / step) * step, step };
}

function path(points: readonly [number, number][], x: (t: number) => number, y: (v: number) => number, step: boolean): string {
  let d = '';
  points.forEach(([t, v], i) => {
    if (i === 0) d += `M${x(t).toFixed(1)},${y(v).toFixed(1)}`;
    else if (step) d += `H${x(t).toFixed(1)}V${y(v).toFixed(1)}`;
    else d += `L${x(t).toFixed(1)},${y(v).toFixed(1)}`;
  });
  return d;
}

export function seriesOf(samples: readonly FleetSample[], perReplica: number): Series[] {
  const timed = samples.filter((s) => s.load !== undefined);
  const at = (s: FleetSample) => s.load!.elapsed;
  return [
    { name: 'offered spans/s', color: '#1f77b4', axis: 'rate', points: timed.map((s) => [at(s), s.load!.rate]) },
    {
      name: 'measured spans/s (autoscaler)',
      color: '#2ca02c',
      axis: 'rate',
      step: true,
      points: timed.filter((s) => s.autoscaling?.spansPerSecond !== undefined).map((s) => [at(s), s.autoscaling!.spansPerSecond!]),
    },
    {
      name: `capacity (replicas x ${perReplica})`,
      color: '#ff7f0e',
      axis: 'rate',
      step: true,
      dash: '6 4',
      points: timed.filter((s) => s.replicas !== undefined).map((s) => [at(s), s.replicas! * perReplica]),
    },
    { name: 'replicas', color: '#d62728', axis: 'replicas', step: true, points: timed.filter((s) => s.replicas !== undefined).map((s) => [at(s), s.replicas!]) },
  ];
}

export function renderChart(samples: readonly FleetSample[], opts: ChartOptions): string {
  const width = opts.width ?? 900;
  const height = opts.height ?? 420;
  const series = seriesOf(samples, opts.perReplica);
  const all = series.flatMap((s) => s.points);
  const tMax = Math.max(1, ...all.map(([t]) => t));
  const rate = niceScale(Math.max(1, ...series.filter((s) => s.axis === 'rate').flatMap((s) => s.points.map(([, v]) => v))));
  const reps = niceScale(Math.max(1, ...series.filter((s) => s.axis === 'replicas').flatMap((s) => s.points.map(([, v]) => v))) + 1, 5);
  const time = niceScale(tMax, 8);
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + (t / time.max) * plotW;
  const yRate = (v: number) => PAD.top + plotH - (v / rate.max) * plotH;
  const yReps = (v: number) => PAD.top + plotH - (v / reps.max) * plotH;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(opts.title)}</text>`,
  ];
  for (let v = 0; v <= rate.max + 1e-9; v += rate.step) {
    out.push(`<line x1="${PAD.left}" x2="${width - PAD.right}" y1="${yRate(v).toFixed(1)}" y2="${yRate(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${(yRate(v) + 4).toFixed(1)}" text-anchor="end">${Math.round(v)}</text>`);
  }
  for (let v = 0; v <= reps.max + 1e-9; v += reps.step) {
    out.push(`<text x="${width - PAD.right + 6}" y="${(yReps(v) + 4).toFixed(1)}" fill="#d62728">${Math.round(v)}</text>`);
  }
  for (let t = 0; t <= time.max + 1e-9; t += time.step) {
    out.push(`<text x="${x(t).toFixed(1)}" y="${PAD.top + plotH + 18}" text-anchor="middle">${Math.round(t)}</text>`);
  }
  out.push(
    `<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
    `<text x="${PAD.left + plotW / 2}" y="${PAD.top + plotH + 36}" text-anchor="middle">seconds</text>`,
    `<text transform="translate(16 ${PAD.top + plotH / 2}) rotate(-90)" text-anchor="middle">spans/s</text>`,
    `<text transform="translate(${width - 12} ${PAD.top + plotH / 2}) rotate(90)" text-anchor="middle" fill="#d62728">replicas</text>`,
  );
  for (const s of series) {
    if (s.points.length === 0) continue;
    const y = s.axis === 'rate' ? yRate : yReps;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<path d="${path(s.points, x, y, s.step ?? false)}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
  }
  // Legend entries side by side, each as wide as its text (about 7 px a character at 12 px).
  let lx = PAD.left;
  for (const s of series) {
    const ly = height - 14;
    out.push(`<line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    out.push(`<text x="${lx + 24}" y="${ly}">${esc(s.name)}</text>`);
    lx += 24 + s.name.length * 7 + 24;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
