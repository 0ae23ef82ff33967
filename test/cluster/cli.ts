// `npm run cluster:up` / `npm run cluster:down` (and `node test/cluster/cli.ts build|images`).
import { ensureBinaries } from './build.ts';
import { binaryPath } from './binaries.ts';
import { ensureCluster, ensureRealNode, stopCluster, stopNode } from './harness.ts';
import { printImages } from './image/cli.ts';
import pino from 'pino';

const USAGE = 'usage: node test/cluster/cli.ts up|down|node|node-down|build|images';

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
    case 'node': {
      const t0 = Date.now();
      const { kubeconfig, node, images } = await ensureRealNode();
      process.stdout.write(`real node ${node.nodeName} (${node.nodeIp}) ${node.reused ? 'already running' : 'started'} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`
        + `export KUBECONFIG=${kubeconfig}\nimage: ${images.project}\nupstream collector image: ${images.upstream}\n`);
      return;
    }
    case 'node-down':
      process.stdout.write(await stopNode() ? 'real node stopped, host restored\n' : 'no real node of this cluster was running\n');
      return;
    case 'build': {
      const results = await ensureBinaries(pino({ name: 'cluster' }, pino.destination(2)));
      for (const r of results) process.stdout.write(`${r.component}: ${r.built ? `built in ${r.seconds} s` : 'cached'}\n`);
      return;
    }
    case 'images':
      await printImages(pino({ name: 'images' }, pino.destination(2)), process.stdout);
      return;
    default:
      throw new Error(USAGE);
  }
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
