// The demo's fleet on the real node: the operator installed from the Helm chart with the locally built image (a
// pod with its ServiceAccount, in-cluster config and leader election), collector pods placed on the real node, the
// sink on the node IP where the pods reach the host, and load through the fleet Service's ClusterIP (kube-proxy),
// as a client in the cluster would send it.
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REAL_NODE_IP } from '../../test/cluster/addresses.ts';
import { REPO_ROOT } from '../../test/cluster/layout.ts';
import { FleetPods } from '../../test/support/fleet-pods.ts';
import { OtlpSink } from '../../test/support/otlp-sink.ts';
import { fleetClusterIpTarget, installOperator, ON_REAL_NODE, podLogs, uninstallOperator } from '../../test/support/real-node.ts';
import type { DemoFleet, FleetContext } from './runtime.ts';

/** An argument as a shell would need it typed; the chart as a path relative to the repository. */
function shellWord(arg: string): string {
  if (arg.startsWith(REPO_ROOT)) return relative(REPO_ROOT, arg);
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export async function startRealFleet({ session, cluster, namespace, pipeline, runDir }: FleetContext): Promise<DemoFleet> {
  const { kubeconfig, client } = cluster;
  const image = cluster.realNode!.image;
  session.say(`installing the operator with Helm (image ${image}, on the real node)`);
  const operator = await installOperator(kubeconfig, namespace, image);
  const logFile = join(runDir, 'operator.log');
  session.track('operator', async () => {
    await podLogs(kubeconfig, namespace, `deploy/${operator.deployment}`).then((text) => writeFileSync(logFile, text), () => undefined);
    await uninstallOperator(kubeconfig, operator);
    session.say(`operator uninstalled (helm release ${operator.release}; its log: ${logFile})`);
  });
  session.say(`operator running as a pod: helm ${operator.helmArgs.map(shellWord).join(' ')}`);
  session.checkpoint();

  const sink = await OtlpSink.start({ host: REAL_NODE_IP });
  session.track('sink', () => sink.stop());
  const pods = await new FleetPods(client, namespace, pipeline).start();
  session.track('pod watch', async () => pods.stop());
  session.say(`OTLP sink on ${sink.grpcEndpoint} (the node IP, which the pods reach)`);

  const serving = () => pods.readyIps();
  return {
    sink,
    serving,
    maxInFlightPerTarget: 64,
    place: (obj) => ({ ...obj, spec: { ...(obj.spec as object), ...ON_REAL_NODE } }),
    serve: async () => {
      await session.waitUntil('the first collector pod Ready', () => serving().length > 0, 180_000);
      const target = await fleetClusterIpTarget(client, namespace, pipeline);
      return { targets: () => [target], via: `through the Service's ClusterIP ${target} (kube-proxy picks a collector pod per connection)` };
    },
  };
}
