// The host as the real node found it, and putting it back. The kubelet, kube-proxy and the CNI bridge plugin
// change machine-wide settings (sysctls, iptables chains, directories); the snapshot is taken once, before the
// first change, and kept on disk so a later process (`cluster:down`, or a CI run after a session was killed)
// restores it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { FIXED_HOST_PATHS } from './paths.ts';

/**
 * Sysctls the node's parts are known to set: the kubelet (overcommit, panic, keys), the CNI bridge plugin
 * (forwarding), kube-proxy (route_localnet, conntrack) and br_netfilter's switches.
 */
export const WATCHED_SYSCTLS = [
  'net.ipv4.ip_forward',
  'net.ipv6.conf.all.forwarding',
  'net.ipv4.conf.all.route_localnet',
  'net.bridge.bridge-nf-call-iptables',
  'net.bridge.bridge-nf-call-ip6tables',
  'vm.overcommit_memory',
  'vm.panic_on_oom',
  'kernel.panic',
  'kernel.panic_on_oops',
  'kernel.keys.root_maxkeys',
  'kernel.keys.root_maxbytes',
  'net.netfilter.nf_conntrack_max',
  'net.netfilter.nf_conntrack_tcp_timeout_established',
  'net.netfilter.nf_conntrack_tcp_timeout_close_wait',
  'net.netfilter.nf_conntrack_tcp_be_liberal',
] as const;

export type HostSnapshot = {
  takenAt: string;
  sysctls: Record<string, string>;
  /** iptables-save / ip6tables-save output. */
  iptables: { v4: string; v6: string };
  /** Which FIXED_HOST_PATHS existed. */
  paths: Record<string, boolean>;
  /** Network namespaces under /run/netns that were there before. */
  netns: string[];
};

export const sysctlPath = (name: string): string => `/proc/sys/${name.replaceAll('.', '/')}`;

function sh(cmd: string, args: string[], input?: string): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  return { ok: r.status === 0, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? r.error.message : '') };
}

async function readSysctls(): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const name of WATCHED_SYSCTLS) {
    const v = await readFile(sysctlPath(name), 'utf8').catch(() => undefined);
    if (v !== undefined) values[name] = v.trim();
  }
  return values;
}

async function listNetns(): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return readdir('/run/netns').catch(() => [] as string[]);
}

export async function takeSnapshot(): Promise<HostSnapshot> {
  return {
    takenAt: new Date().toISOString(),
    sysctls: await readSysctls(),
    iptables: { v4: sh('iptables-save', []).out, v6: sh('ip6tables-save', []).out },
    paths: Object.fromEntries(FIXED_HOST_PATHS.map((p) => [p, existsSync(p)])),
    netns: await listNetns(),
  };
}

export async function readSnapshot(file: string): Promise<HostSnapshot | undefined> {
  return readFile(file, 'utf8').then((t) => JSON.parse(t) as HostSnapshot, () => undefined);
}

export async function saveSnapshot(file: string, snapshot: HostSnapshot): Promise<void> {
  await writeFile(file, JSON.stringify(snapshot, null, 1), { mode: 0o600 });
}

/** Tables named in an iptables-save dump (`*filter`, `*nat`, ...). */
export function savedTables(dump: string): string[] {
  return dump.split('\n').filter((l) => l.startsWith('*')).map((l) => l.slice(1).trim());
}

/**
 * Puts iptables back: tables present in the snapshot are restored whole; tables created since are removed (with
 * the nf_tables backend iptables cannot delete a table, so `nft` does; with the legacy backend they are flushed and
 * their chains deleted). Returns what could not be done.
 */
function restoreIptables(family: 'v4' | 'v6', dump: string): string[] {
  const [save, restore, bin] = family === 'v4' ? ['iptables-save', 'iptables-restore', 'iptables'] : ['ip6tables-save', 'ip6tables-restore', 'ip6tables'];
  const problems: string[] = [];
  const before = new Set(savedTables(dump));
  for (const table of savedTables(sh(save, []).out)) {
    if (before.has(table)) continue;
    for (const args of [['-t', table, '-F'], ['-t', table, '-X']]) {
      const r = sh(bin, args);
      if (!r.ok) problems.push(`${bin} ${args.join(' ')}: ${r.err.trim()}`);
    }
    if (sh(bin, ['--version']).out.includes('nf_tables')) {
      const r = sh('nft', ['delete', 'table', family === 'v4' ? 'ip' : 'ip6', table]);
      if (!r.ok) problems.push(`nft delete table ${table}: ${r.err.trim()}`);
    }
  }
  if (dump.trim() !== '') {
    const r = sh(restore, [], dump);
    if (!r.ok) problems.push(`${restore}: ${r.err.trim()}`);
  }
  return problems;
}

/** Puts sysctls and iptables back and removes the fixed paths that did not exist. Returns what failed. */
export async function restoreHost(snapshot: HostSnapshot): Promise<string[]> {
  const problems: string[] = [];
  const now = await readSysctls();
  for (const [name, value] of Object.entries(snapshot.sysctls)) {
    if (now[name] === value) continue;
    await writeFile(sysctlPath(name), value).catch((err: Error) => problems.push(`sysctl ${name}=${value}: ${err.message}`));
  }
  problems.push(...restoreIptables('v4', snapshot.iptables.v4), ...restoreIptables('v6', snapshot.iptables.v6));
  for (const [path, existed] of Object.entries(snapshot.paths)) {
    if (!existed) await rm(path, { recursive: true, force: true }).catch((err: Error) => problems.push(`rm ${path}: ${err.message}`));
  }
  return problems;
}
