// `npm run demo -- --short` on both runtimes: on the real node, the default where this machine can run it, and on
// the process runtime (--runtime process). Each says first which runtime and why, runs to the end, delivers every
// acknowledged span once and writes its chart; Ctrl-C in the middle stops everything it started (issue 5, "The
// demo"; issue 9, item 5).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { objectPath, resources } from '../../src/operator/kube/resources.ts';
import { CLUSTER_TIMEOUT_MS, ensureCluster, ensureRealNode, realNodeUnavailableReason } from '../cluster/harness.ts';
import { REPO_ROOT } from '../cluster/layout.ts';
import { helm, ok } from '../support/helm-kubectl.ts';
import { tcpAccepts } from '../support/tcp-probe.ts';

const unavailable = await realNodeUnavailableReason();
const onRealNode = unavailable === undefined ? test : test.skip;
if (unavailable !== undefined) process.stderr.write(`real-node demo tests skipped: ${unavailable}\n`);

let kubeconfig: string;
let client: KubeClient;

beforeAll(async () => {
  ({ kubeconfig } = unavailable === undefined ? await ensureRealNode() : await ensureCluster());
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  client = new KubeClient(kc, { userAgent: 'tpo-e2e-demo' });
}, CLUSTER_TIMEOUT_MS);

afterAll(() => client?.close());

interface Demo {
  output: () => string;
  exited: Promise<number | null>;
  signal: (s: NodeJS.Signals) => void;
}

function demo(args: string[]): Demo {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts/demo/main.ts'), '--kubeconfig', kubeconfig, ...args], {
    cwd: REPO_ROOT,
    // A real node this test run started is stopped by the run's global teardown, not by the demo.
    env: { ...process.env, TPO_KEEP_NODE: '1' },
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

/** The demo's first line names the runtime and says why. */
const firstLine = (output: string) => output.split('\n')[0];

/** A finished short run: exit 0, its chart, every acknowledged span once, up to 5 replicas and back to 1. */
function expectFinished(code: number | null, output: string, out: string): string {
  expect({ code, output }).toMatchObject({ code: 0 });
  const chart = /chart: (\S+\.svg)/.exec(output)?.[1];
  expect(chart).toBeDefined();
  expect(chart!.startsWith(out)).toBe(true);
  const svg = readFileSync(chart!, 'utf8');
  expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  expect(svg).toContain('>replicas</text>');
  expect(output).toMatch(/spans: [1-9]\d+ acknowledged, 0 failed; sink received \d+, missing 0, duplicated 0/);
  const steps = /replicas over time \(s, replicas\): (.*)/.exec(output)?.[1] ?? '';
  expect(steps).toMatch(/:5\b/);
  expect(steps).toMatch(/:1$/);
  return dirname(chart!);
}

async function waitForLoad(run: Demo): Promise<void> {
  const deadline = Date.now() + 240_000;
  while (!/replicas=\d+ serving=[1-9]/.test(run.output())) {
    if (Date.now() > deadline) throw new Error(`the demo did not get going:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The namespace is gone or going. */
async function deleted(namespace: string): Promise<boolean> {
  const ns = await client.request<{ metadata: { deletionTimestamp?: string } }>('GET', objectPath(resources.namespace, undefined, namespace)).catch(() => undefined);
  return ns === undefined || ns.metadata.deletionTimestamp !== undefined;
}

async function releases(namespace: string): Promise<string[]> {
  const list = JSON.parse(await ok(helm(kubeconfig, ['list', '-n', namespace, '--deployed', '--failed', '--pending', '--uninstalling', '-o', 'json']))) as { name: string }[];
  return list.map((r) => r.name);
}

/** What the real-node run printed about what it started. */
function realRun(output: string): { release: string; namespace: string; sink: string } {
  const [, release, namespace] = /operator running as a pod: helm install (tpo-\w+) charts\/telemetry-pipeline-operator -n (tpo-demo-\w+) /.exec(output) ?? [];
  const sink = /OTLP sink on (198\.18\.0\.1:\d+)/.exec(output)?.[1];
  expect({ release, namespace, sink }).toEqual({ release: expect.any(String), namespace: expect.any(String), sink: expect.any(String) });
  return { release: release!, namespace: namespace!, sink: sink! };
}

onRealNode('on the real node (the default here) the short demo installs the chart, runs containers, delivers every acknowledged span once and writes its chart', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tpo-demo-real-'));
  const run = demo(['--short', '--out', out]);
  const code = await run.exited;
  const output = run.output();
  expect(firstLine(output)).toMatch(/^> runtime: real node .*, because this machine can run it \(Linux, root, overlayfs\)/);
  const runDir = expectFinished(code, output, out);
  const { release, namespace } = realRun(output);
  expect(output).toMatch(/load through the Service's ClusterIP 198\.18\.(1[2-9]\d|2\d\d)\.\d+:4317/);
  // The operator ran as a pod and logged as one: its log was kept before the release was uninstalled.
  expect(readFileSync(join(runDir, 'operator.log'), 'utf8')).toContain('"msg":"became leader"');
  expect(output).toContain(`operator uninstalled (helm release ${release}`);
  expect(output).toContain(`namespace ${namespace} deleted`);
  expect(await releases(namespace)).toEqual([]);
  expect(await deleted(namespace)).toBe(true);
  // The node was running before the demo: it is reused and left running.
  expect(output).toContain('already running: reused');
  expect(output).not.toContain('real node stopped');
}, 8 * 60_000);

onRealNode('on the real node Ctrl-C uninstalls the release, stops the sink and deletes the namespace', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tpo-demo-real-int-'));
  const run = demo(['--short', '--out', out]);
  await waitForLoad(run);
  const { release, namespace, sink } = realRun(run.output());
  expect(await releases(namespace)).toHaveLength(1);
  run.signal('SIGINT');
  expect(await run.exited).toBe(130);
  const output = run.output();
  expect(output).toContain('interrupted: stopping what the demo started');
  expect(output).toMatch(new RegExp(`operator uninstalled \\(helm release ${release}[\\s\\S]*namespace ${namespace} deleted`));
  expect(await releases(namespace)).toEqual([]);
  expect(await deleted(namespace)).toBe(true);
  expect(await tcpAccepts(sink)).toBe(false);
}, 6 * 60_000);

test('on the process runtime (--runtime process) the short demo runs to the end, delivers every acknowledged span once and writes its chart', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tpo-demo-'));
  const run = demo(['--short', '--runtime', 'process', '--out', out]);
  const code = await run.exited;
  const output = run.output();
  expect(firstLine(output)).toMatch(/^> runtime: process runtime .*, as --runtime process asks$/);
  expectFinished(code, output, out);
  expect(output).toContain('operator stopped (exit 0)');
  expect(processesMentioning(out)).toEqual([]);
}, 5 * 60_000);

test('on the process runtime Ctrl-C stops the load, the collectors, the operator and the namespace', async () => {
  const out = mkdtempSync(join(tmpdir(), 'tpo-demo-int-'));
  const run = demo(['--short', '--runtime', 'process', '--out', out]);
  await waitForLoad(run);
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
