// `npm run demo -- --short` runs to the end on the local control plane and writes its chart; Ctrl-C in
// the middle stops everything it started (issue 5, "The demo").
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLUSTER_TIMEOUT_MS, ensureCluster } from '../cluster/harness.ts';
import { REPO_ROOT } from '../cluster/layout.ts';

let kubeconfig: string;

beforeAll(async () => {
  ({ kubeconfig } = await ensureCluster());
}, CLUSTER_TIMEOUT_MS);

interface Demo {
  output: () => string;
  exited: Promise<number | null>;
  signal: (s: NodeJS.Signals) => void;
}

function demo(args: string[]): Demo {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts/demo/main.ts'), '--kubeconfig', kubeconfig, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (text += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (text += c));
  return {
    output: () => text,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    signal: (s) => child.kill(s),
  };
}

/** Processes whose command line mentions `text` (collectors run with their config under the run directory). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('the short demo runs to the end, delivers every acknowledged span and writes its SVG chart', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tpo-demo-'));
  const run = demo(['--short', '--out', out]);
  const code = await run.exited;
  const output = run.output();
  expect({ code, output }).toMatchObject({ code: 0 });
  const chart = /chart: (\S+\.svg)/.exec(output)?.[1];
  expect(chart).toBeDefined();
  expect(chart!.startsWith(out)).toBe(true);
  const svg = readFileSync(chart!, 'utf8');
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(svg).toContain('>replicas</text>');
  expect(output).toMatch(/missing 0, duplicated 0/);
  // It scaled up and back down: the replica steps reach 5 and end at 1.
  const steps = /replicas over time \(s, replicas\): (.*)/.exec(output)?.[1] ?? '';
  expect(steps).toMatch(/:5\b/);
  expect(steps).toMatch(/:1$/);
  expect(output).toContain('operator stopped (exit 0)');
  expect(processesMentioning(out)).toEqual([]);
}, 5 * 60_000);

test('Ctrl-C stops the load, the collectors, the operator and the namespace', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tpo-demo-int-'));
  const run = demo(['--short', '--out', out]);
  const deadline = Date.now() + 120_000;
  while (!/replicas=\d+ serving=[1-9]/.test(run.output())) {
    if (Date.now() > deadline) throw new Error(`the demo did not get going:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const operatorPid = Number(/operator running \(pid (\d+)/.exec(run.output())?.[1]);
  const collectors = join(out, 'run-');
  expect(processesMentioning(collectors).length).toBeGreaterThan(0);
  run.signal('SIGINT');
  expect(await run.exited).toBe(130);
  const output = run.output();
  expect(output).toContain('interrupted: stopping what the demo started');
  expect(output).toMatch(/collectors stopped \(drained\)[\s\S]*operator stopped \(exit 0\)[\s\S]*namespace tpo-demo-\w+ deleted/);
  expect(alive(operatorPid)).toBe(false);
  expect(processesMentioning(collectors)).toEqual([]);
  // The cluster was running before the demo: it is left running.
  expect(existsSync(kubeconfig)).toBe(true);
}, 5 * 60_000);
