// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function, largest first.
//   node bench/collector/profile-top.ts FILE.cpuprofile [N]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

export interface TopEntry { name: string; selfMs: number; share: number }

/** Self time per function (name + file:line), summed over every node of the call tree. */
export function topSelf(p: CpuProfile, cwd: string): TopEntry[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const node = byId.get(p.samples[i] as number);
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? ` ${relative(cwd, url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  const busy = total - (self.get('(idle)') ?? 0);
  return [...self.entries()]
    .map(([name, selfMs]) => ({ name, selfMs, share: name === '(idle)' ? Number.NaN : selfMs / busy }))
    .sort((a, b) => b.selfMs - a.selfMs);
}

if (import.meta.main) {
  const [file, n] = process.argv.slice(2);
  if (!file) { console.error('usage: profile-top.ts FILE.cpuprofile [N]'); process.exit(2); }
  const top = topSelf(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, process.cwd());
  for (const e of top.slice(0, Number(n ?? 30))) {
    console.log(`${e.selfMs.toFixed(0).padStart(8)} ms ${Number.isNaN(e.share) ? '     ' : `${(e.share * 100).toFixed(1).padStart(5)}%`}  ${e.name}`);
  }
}
