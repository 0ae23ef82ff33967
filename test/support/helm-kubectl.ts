// The pinned helm and kubectl binaries for tests (chart checks, install tests on the local control plane), with
// Helm's own state kept in a temporary directory instead of the user's home. Helm 4 comes with kubectl; Helm 3 is
// built from its Go module on first use.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { binaryPath } from '../cluster/binaries.ts';
import { ensureGoBinary, extractKubectlLayer } from '../cluster/build.ts';
import { helm3Recipe } from '../cluster/go-recipes.ts';
import { clusterLayout } from '../cluster/layout.ts';
import { withLock } from '../cluster/lock.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export const CHART = join(REPO, 'charts/telemetry-pipeline-operator');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const helmHome = mkdtempSync(join(tmpdir(), 'tpo-helm-'));
const HELM_ENV = {
  HELM_CACHE_HOME: join(helmHome, 'cache'),
  HELM_CONFIG_HOME: join(helmHome, 'config'),
  HELM_DATA_HOME: join(helmHome, 'data'),
};

/** Runs a binary to completion; never throws for a non-zero exit (the caller asserts on it). */
export function run(file: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env }, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024, timeout: 180_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        if (err && code === -1) return reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** Makes the pinned helm and kubectl present (already there once the local control plane was built). */
export async function ensureHelmAndKubectl(): Promise<void> {
  await extractKubectlLayer(pino({ level: 'warn' }));
}

/**
 * Makes the pinned Helm 3 present. The build takes the cluster's lock, so it never runs beside the control plane's
 * Go builds (each uses every core) or a second copy of itself in another Jest worker.
 */
export async function ensureHelm3(): Promise<void> {
  const { root, lock } = clusterLayout();
  mkdirSync(root, { recursive: true });
  // As long as ensureCluster() may hold the lock: a cold Kubernetes build.
  await withLock(lock, 60 * 60_000, () => ensureGoBinary(helm3Recipe(), pino({ name: 'cluster', level: 'info' }, pino.destination(2))));
}

/** The two Helm majors the chart supports: `binary` is the cached helm (4) or helm3. */
export const HELMS = [
  { name: 'Helm 4', binary: 'helm', ensure: ensureHelmAndKubectl },
  { name: 'Helm 3', binary: 'helm3', ensure: ensureHelm3 },
] as const;

export function helm(kubeconfig: string | undefined, args: string[], binary: 'helm' | 'helm3' = 'helm'): Promise<RunResult> {
  return run(binaryPath(binary), [...(kubeconfig ? ['--kubeconfig', kubeconfig] : []), ...args], { env: HELM_ENV });
}

export function kubectl(kubeconfig: string, args: string[], input?: string): Promise<RunResult> {
  return run(binaryPath('kubectl'), ['--kubeconfig', kubeconfig, ...args], input === undefined ? {} : { input });
}

/** Like `run`, but a non-zero exit is an error carrying the command's stderr. */
export async function ok(result: Promise<RunResult>): Promise<string> {
  const r = await result;
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}
