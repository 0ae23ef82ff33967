// After the whole Jest run: a real node that this run started is stopped and the host restored (sysctls, iptables,
// interfaces, mounts), so a test run leaves the machine as it found it. TPO_KEEP_NODE=1 keeps it for the next run.
// The control plane keeps running: it changes nothing on the host and is reused by the next run.
import { nodeStartedBy, stopNode } from './cluster/harness.ts';

export default async function globalTeardown(): Promise<void> {
  if (process.env['TPO_KEEP_NODE'] === '1') return;
  if (await nodeStartedBy(process.pid)) await stopNode();
}
