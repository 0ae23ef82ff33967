// What the collector benchmark runners (closed loop: run.ts, fixed rate: fixed-rate.ts) share: numbers from the
// environment, and the end of a run (the JSON result, the tables, failures and the machine's load).
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';

/** A positive number from the environment, or the default when unset or empty. */
export function numEnv(name: string, dflt: number, env: NodeJS.ProcessEnv = process.env): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new Error(`${name}: expected a positive number, got ${JSON.stringify(v)}`);
  return x;
}

/** Writes bench/results/<name>.json and prints the tables, one line per failure and the load average. */
export function finishRun(root: string, name: string, out: { machine: { loadavgBefore: number[] } }, tables: readonly string[], failures: readonly string[]): void {
  const file = join(root, 'bench', 'results', `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  console.log(tables.length ? tables.join('\n\n') : 'no results');
  for (const f of failures) console.log(`FAILED ${f}`);
  const fmt = (xs: readonly number[]): string => xs.map((x) => x.toFixed(2)).join(' ');
  console.log(`\nload average before/after: ${fmt(out.machine.loadavgBefore)} / ${fmt(loadavg())}; written ${file}`);
}
