// What the operator benchmarks share: their environment knobs, rounding, and the result file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../../test/integration/operator-helpers.ts';

/** A positive integer from the environment, or the default when unset or empty. */
export function positiveIntEnv(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const x = Number(v);
  if (!Number.isInteger(x) || x <= 0) throw new Error(`${name}: expected a positive integer, got ${JSON.stringify(v)}`);
  return x;
}

export const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export function machine() {
  return { cpus: cpus().length, loadavg: loadavg().map((x) => round(x)) };
}

/** Writes bench/results/<name>.json and prints it. */
export function writeResult(name: string, result: object): void {
  mkdirSync(join(REPO, 'bench', 'results'), { recursive: true });
  writeFileSync(join(REPO, 'bench', 'results', `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}
