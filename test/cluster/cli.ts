// `npm run cluster:up` / `npm run cluster:down` (and `node test/cluster/cli.ts build|status`).
import { ensureBinaries } from './build.ts';
import { binaryPath } from './binaries.ts';
import { ensureCluster, stopCluster } from './harness.ts';
import pino from 'pino';

const USAGE = 'usage: node test/cluster/cli.ts up|down|build';

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'up': {
      const t0 = Date.now();
      const { kubeconfig, apiServer } = await ensureCluster();
      process.stdout.write(`API server ${apiServer} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`
        + `export KUBECONFIG=${kubeconfig}\nkubectl: ${binaryPath('kubectl')}\nhelm: ${binaryPath('helm')}\n`);
      return;
    }
    case 'down':
      await stopCluster();
      process.stdout.write('local control plane stopped\n');
      return;
    case 'build': {
      const results = await ensureBinaries(pino({ name: 'cluster' }, pino.destination(2)));
      for (const r of results) process.stdout.write(`${r.component}: ${r.built ? `built in ${r.seconds} s` : 'cached'}\n`);
      return;
    }
    default:
      throw new Error(USAGE);
  }
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
