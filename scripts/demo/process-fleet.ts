// The demo's fleet on the process runtime: the operator as a local child process, the sink on loopback, and a
// `tpo collector` process for every KWOK collector pod on its loopback IP; load goes to each collector directly.
import { join } from 'node:path';
import { OtlpSink } from '../../test/support/otlp-sink.ts';
import { ProcessRuntime } from '../../test/support/process-runtime.ts';
import { startLocalOperator } from './operator.ts';
import type { DemoFleet, FleetContext } from './runtime.ts';

export async function startProcessFleet({ session, cluster, namespace, pipeline, runDir }: FleetContext): Promise<DemoFleet> {
  const logFile = join(runDir, 'operator.log');
  const operator = await startLocalOperator(cluster.kubeconfig, namespace, logFile);
  session.track('operator', () => operator.stop().then((code) => session.say(`operator stopped (exit ${code})`)));
  session.say(`operator running (pid ${operator.pid}, log ${logFile})`);
  session.checkpoint();

  const sink = await OtlpSink.start();
  session.track('sink', () => sink.stop());
  const runtime = new ProcessRuntime({ kubeconfig: cluster.kubeconfig, namespace, maxProcesses: 10, workDir: join(runDir, 'collectors') });
  await runtime.start();
  session.track('collectors', () => runtime.stop().then(() => session.say('collectors stopped (drained)')));
  session.say(`OTLP sink on ${sink.grpcEndpoint}; collector processes log under ${runtime.workDir}`);

  const serving = () => runtime.servingIps({ namespace, pipeline });
  return {
    sink,
    serving,
    maxInFlightPerTarget: undefined,
    place: (obj) => obj,
    serve: async () => {
      await session.waitUntil('the first collector', () => serving().length > 0, 60_000);
      return { targets: () => serving().map((ip) => `${ip}:4317`), via: 'straight to each collector process (KWOK pods have no Service routing)' };
    },
  };
}
