// The environment the benchmark's Go builds (the upstream collector, telemetrygen) run `go` with: binaries into
// `dir`/bin, the official Go install on PATH, the local toolchain only, and as many packages at a time as the
// machine has cores unless OTELCOL_BUILD_JOBS says otherwise. The build runs when a test or a benchmark first
// needs the binary, and everything after it waits: with one job a cold CI run spent 10 minutes of its 2 cores'
// time on one core.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** Packages compiled at once: OTELCOL_BUILD_JOBS, else every core. */
export function goBuildJobs(env: NodeJS.ProcessEnv = process.env): string {
  return env['OTELCOL_BUILD_JOBS'] || String(availableParallelism());
}

export function goBuildEnv(dir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const jobs = goBuildJobs(env);
  return {
    ...env,
    // The official Go install's bin, which a bare non-login shell (CI) may not have on PATH.
    PATH: [env['PATH'] ?? '', '/usr/local/go/bin'].filter(Boolean).join(':'),
    GOBIN: join(dir, 'bin'),
    GOFLAGS: `-buildvcs=false -p=${jobs}`,
    GOMAXPROCS: env['GOMAXPROCS'] ?? jobs,
    GOTOOLCHAIN: 'local',
  };
}
