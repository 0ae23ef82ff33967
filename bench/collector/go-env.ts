// The environment the benchmark's Go builds (the upstream collector, telemetrygen) run `go` with: binaries into
// `dir`/bin, the official Go install on PATH, the local toolchain only, and one package at a time by default
// (OTELCOL_BUILD_JOBS) because the machine's cores are shared.
import { join } from 'node:path';

export function goBuildEnv(dir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const jobs = env['OTELCOL_BUILD_JOBS'] ?? '1';
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
