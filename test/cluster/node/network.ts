// The node's own addresses: the node IP on a veth (the kernel here has no dummy interface module), and the rule
// that keeps pod traffic inside the benchmark range. The pod bridge itself is made by the CNI bridge plugin.
import { spawnSync } from 'node:child_process';
import { NODE_RANGE, REAL_NODE_IP } from '../addresses.ts';
import { NODE_VETH, NODE_VETH_PEER, egressRules } from './configs.ts';

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr ?? r.error?.message ?? '').trim()}`);
}

export function setUpNodeNetwork(): void {
  ip(['link', 'add', NODE_VETH, 'type', 'veth', 'peer', 'name', NODE_VETH_PEER]);
  // /32: the address is the host's own; nothing else is reachable through this link.
  ip(['addr', 'add', `${REAL_NODE_IP}/32`, 'dev', NODE_VETH]);
  ip(['link', 'set', NODE_VETH_PEER, 'up']);
  ip(['link', 'set', NODE_VETH, 'up']);
  // The whole range goes to the node's own link, from the node IP: the host's connections to ClusterIPs get
  // 198.18.0.1 as their source (not eth0's address, which pods may not answer), and a packet to an unused address
  // of the range ends at the veth's far end instead of the default route. The pod bridge's /16 is more specific.
  ip(['route', 'add', NODE_RANGE, 'dev', NODE_VETH, 'src', REAL_NODE_IP]);
  const rules = ['*filter', ...egressRules(), 'COMMIT', ''].join('\n');
  const r = spawnSync('iptables-restore', ['--noflush'], { input: rules, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`iptables-restore (pod egress rule): ${(r.stderr ?? r.error?.message ?? '').trim()}`);
}
