// Containers of the real node seen from the host: the main process of a pod's container, from containerd's task
// list, so a test can SIGKILL it as a crash would. `kubectl exec` cannot: the kernel ignores a signal sent from
// inside a PID namespace to its pid 1 unless that process handles it, and nothing handles SIGKILL.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `containerd://<id>` (a pod's containerStatuses[].containerID) or a bare id -> the bare id. */
function bareId(containerId: string): string {
  return containerId.replace(/^containerd:\/\//, '');
}

/** The host pid of the main process of a running container (`ctr tasks ls` in the kubelet's namespace). */
export async function containerPid(containerdSocket: string, containerId: string): Promise<number> {
  const id = bareId(containerId);
  const { stdout } = await run('ctr', ['--address', containerdSocket, '-n', 'k8s.io', 'tasks', 'ls'], { timeout: 30_000 });
  const row = stdout.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).find(([task]) => task === id);
  if (!row) throw new Error(`container ${id} has no task in containerd`);
  const [, pid, status] = row;
  if (status !== 'RUNNING') throw new Error(`container ${id}: task is ${status}, not RUNNING`);
  return Number(pid);
}

/**
 * Sends SIGKILL from the host to a container's main process and returns its pid. The pid is checked against the
 * container's cgroup first, so a pid reused in between is never hit.
 */
export async function killContainer(containerdSocket: string, containerId: string): Promise<number> {
  const id = bareId(containerId);
  const pid = await containerPid(containerdSocket, id);
  const cgroups = await readFile(`/proc/${pid}/cgroup`, 'utf8');
  if (!cgroups.includes(id)) throw new Error(`pid ${pid} is not in the cgroup of container ${id}`);
  process.kill(pid, 'SIGKILL');
  return pid;
}
