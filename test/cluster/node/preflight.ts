// Whether this machine can run the real node, as one line saying what is missing. Checked before anything is
// started, so a machine that cannot run it has nothing half-started left behind.
import { readFile } from 'node:fs/promises';

export type Preflight = { ok: true } | { ok: false; reason: string };

export async function preflight(): Promise<Preflight> {
  if (process.platform !== 'linux') return { ok: false, reason: `the real node needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'the real node needs root (it creates network interfaces, iptables rules and cgroups); run as root or use the KWOK-only tests' };
  const filesystems = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  if (!/\boverlay\b/.test(filesystems)) return { ok: false, reason: 'the kernel has no overlayfs, which containerd needs for container images' };
  const cgroups = await readFile('/proc/cgroups', 'utf8').catch(() => '');
  if (!/^memory\s+\d+\s+\d+\s+1/m.test(cgroups)) return { ok: false, reason: 'the memory cgroup controller is not enabled, so pod memory limits cannot be enforced' };
  const netfilter = await readFile('/proc/sys/net/bridge/bridge-nf-call-iptables', 'utf8').catch(() => undefined);
  if (netfilter === undefined) return { ok: false, reason: 'br_netfilter is not loaded (kube-proxy cannot route Service traffic between pods on the bridge)' };
  return { ok: true };
}
