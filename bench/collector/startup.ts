// Start-up time and idle memory of `tpo collector`: the compiled dist/cli.js (what the npm package and the image
// run) against src/cli.ts under Node's type stripping (development). Each run starts a collector on the config
// `tpo render` gives the balanced sample, on a loopback IP of its own; start-up is spawn -> health check 200, idle
// RSS is VmRSS after STARTUP_IDLE_MS more without traffic. Runs alternate between the two entry points.
// Writes bench/results/collector-startup.json. Environment: STARTUP_RUNS (10), STARTUP_IDLE_MS (5000).
// Needs dist/ (`npm run build`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';
import { machine, positiveIntEnv, round, writeResult } from '../operator/common.ts';
import { REPO } from '../../test/support/helm-kubectl.ts';
import { waitFor } from '../../test/support/wait.ts';
import { parseStatus } from './proc-stats.ts';
import { summarize } from './stats.ts';

const RUNS = positiveIntEnv('STARTUP_RUNS', 10);
const IDLE_MS = positiveIntEnv('STARTUP_IDLE_MS', 5000);
const ENTRIES = { dist: join(REPO, 'dist/cli.js'), 'type stripping': join(REPO, 'src/cli.ts') } as const;
type Entry = keyof typeof ENTRIES;
if (!existsSync(ENTRIES.dist)) throw new Error('dist/cli.js is missing: run `npm run build` first');

const rendered = spawnSync(process.execPath, [ENTRIES['type stripping'], 'render', '-f', join(REPO, 'manifests/samples/balanced.yaml')], { encoding: 'utf8' });
const configMap = parseAllDocuments(rendered.stdout).map((d) => d.toJS() as { kind: string; data?: Record<string, string> }).find((o) => o.kind === 'ConfigMap');
const dir = mkdtempSync(join(tmpdir(), 'tpo-startup-'));
const config = join(dir, 'config.yaml');
writeFileSync(config, configMap!.data!['config.yaml']!);

/** One collector from spawn to health 200, then idle; SIGTERM at the end. */
async function measure(entry: Entry, podIp: string): Promise<{ startupMs: number; idleRssMiB: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [ENTRIES[entry], 'collector', '--config', config], { env: { ...process.env, POD_IP: podIp }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitFor(`${entry} collector health`, async () => (await fetch(`http://${podIp}:13133/`).catch(() => undefined))?.status === 200, 30_000, 5);
    const startupMs = performance.now() - started;
    await sleep(IDLE_MS);
    const { rss } = parseStatus(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return { startupMs, idleRssMiB: rss / 2 ** 20 };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const samples: Record<Entry, { startupMs: number[]; idleRssMiB: number[] }> = {
  dist: { startupMs: [], idleRssMiB: [] },
  'type stripping': { startupMs: [], idleRssMiB: [] },
};
for (let run = 0; run < RUNS; run++) {
  for (const entry of (run % 2 === 0 ? ['dist', 'type stripping'] : ['type stripping', 'dist']) as Entry[]) {
    const m = await measure(entry, `127.0.77.${run * 2 + (entry === 'dist' ? 1 : 2)}`);
    samples[entry].startupMs.push(m.startupMs);
    samples[entry].idleRssMiB.push(m.idleRssMiB);
  }
}
rmSync(dir, { recursive: true, force: true });

const figures = (xs: number[]) => {
  const s = summarize(xs);
  return { p50: round(s.p50, 1), p90: round(s.p90, 1), max: round(s.max, 1) };
};
writeResult('collector-startup', {
  node: process.version,
  runs: RUNS,
  idleMs: IDLE_MS,
  config: 'tpo render -f manifests/samples/balanced.yaml (ConfigMap config.yaml)',
  machine: machine(),
  results: Object.fromEntries(Object.entries(samples).map(([entry, s]) => [entry, { startupMs: figures(s.startupMs), idleRssMiB: figures(s.idleRssMiB) }])),
});
