import { parse } from 'yaml';
import { isLocalTestAddress, KUBERNETES_SERVICE_IP, SERVICE_CIDR } from '../../cluster/addresses.ts';
import {
  cniConfig, containerdConfig, egressRules, endpointControllerArgs, kubeletArgs, kubeletConfig, kubeProxyConfig,
  kubernetesEndpointSlice, REAL_NODE_TAINT,
} from '../../cluster/node/configs.ts';
import { mountsBelow } from '../../cluster/node/cleanup.ts';
import { savedTables, sysctlPath } from '../../cluster/node/host-state.ts';
import { nodePaths } from '../../cluster/node/paths.ts';

const paths = nodePaths('/var/lib/tpo-node', '/run/tpo-node');

test.each([
  ['127.0.0.1', true], ['127.1.2.3', true], ['::1', true], ['198.18.0.1', true], ['198.19.4.5', true], ['198.18.128.1', true],
  ['198.20.0.1', false], ['10.0.0.1', false], ['172.16.0.1', false], ['192.168.1.1', false], ['192.0.2.2', false], ['8.8.8.8', false],
  ['localhost', false], ['198.18.0', false], ['198.18.0.256', false],
])('isLocalTestAddress(%s) = %s', (ip, expected) => {
  expect(isLocalTestAddress(ip)).toBe(expected);
});

test('services and the kubernetes ClusterIP are in the node range', () => {
  expect(SERVICE_CIDR).toBe('198.18.128.0/17');
  expect(isLocalTestAddress(KUBERNETES_SERVICE_IP)).toBe(true);
});

test('containerd keeps every path under the node directories and runs the local pause image', () => {
  const toml = containerdConfig(paths, 'localhost/tpo/pause:1');
  expect(toml).toContain('root = "/var/lib/tpo-node/containerd"');
  expect(toml).toContain('address = "/run/tpo-node/containerd.sock"');
  expect(toml).toContain('sandbox_image = "localhost/tpo/pause:1"');
  expect(toml).toContain('restrict_oom_score_adj = true');
  expect(toml).toContain('SystemdCgroup = false');
  expect(toml).toContain('path = "/var/lib/tpo-node/containerd/opt"');
  // Only our own directories (and the Debian CNI plugins) are named.
  const named = [...toml.matchAll(/"(\/[^"]*)"/g)].map((m) => m[1]!);
  for (const p of named) expect(p.startsWith('/var/lib/tpo-node') || p.startsWith('/run/tpo-node') || p === '/usr/lib/cni').toBe(true);
});

test('pods get addresses from 198.19.0.0/16 on a bridge, without masquerading, IPAM state in the node directory', () => {
  const cni = cniConfig(paths) as { plugins: { ipMasq: boolean; ipam: { ranges: { subnet: string }[][]; dataDir: string } }[] };
  expect(cni.plugins[0]!.ipMasq).toBe(false);
  expect(cni.plugins[0]!.ipam.ranges[0]![0]!.subnet).toBe('198.19.0.0/16');
  expect(cni.plugins[0]!.ipam.dataDir).toBe('/var/lib/tpo-node/cni/ipam');
});

test('the kubelet serves on the node IP only, runs on cgroup v1 with cgroupfs, taints itself and keeps local images', () => {
  const cfg = kubeletConfig(paths, '/ca.crt') as Record<string, unknown>;
  expect(cfg).toMatchObject({
    address: '198.18.0.1', readOnlyPort: 0, healthzBindAddress: '127.0.0.1', cgroupDriver: 'cgroupfs', failCgroupV1: false,
    resolvConf: '', registerWithTaints: [REAL_NODE_TAINT], imageGCHighThresholdPercent: 100,
    authentication: { anonymous: { enabled: false } },
  });
  expect(kubeletArgs(paths)).toEqual(expect.arrayContaining(['--node-ip=198.18.0.1', '--root-dir=/var/lib/tpo-node/kubelet']));
  // The YAML the kubelet reads is the same object.
  expect(parse(JSON.stringify(cfg))).toEqual(cfg);
});

test('kube-proxy leaves conntrack sysctls and route_localnet alone', () => {
  expect(kubeProxyConfig(paths)).toMatchObject({
    mode: 'iptables', clusterCIDR: '198.19.0.0/16', nodePortAddresses: ['198.18.0.1/32'],
    iptables: { localhostNodePorts: false }, conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  });
});

test('the node runs only the EndpointSlice controllers, on loopback', () => {
  const args = endpointControllerArgs(paths, 12345);
  expect(args).toContain('--controllers=endpointslice-controller,endpointslice-mirroring-controller');
  expect(args).toContain('--bind-address=127.0.0.1');
});

test('the kubernetes EndpointSlice points at the node IP', () => {
  expect(kubernetesEndpointSlice(6443)).toMatchObject({
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    endpoints: [{ addresses: ['198.18.0.1'] }], ports: [{ port: 6443 }],
  });
});

test('the egress rule drops pod traffic to anything outside 198.18.0.0/15, on input and forward', () => {
  const rules = egressRules();
  expect(rules).toContain('-A TPO-NODE-EGRESS -s 198.19.0.0/16 ! -d 198.18.0.0/15 -j DROP');
  expect(rules.filter((r) => r.startsWith('-I '))).toEqual(['-I INPUT 1 -j TPO-NODE-EGRESS', '-I FORWARD 1 -j TPO-NODE-EGRESS']);
});

test('mountsBelow finds mounts under the prefixes, deepest first, decoding octal escapes', () => {
  const info = [
    '22 1 8:0 / / rw - ext4 /dev/vda rw',
    '90 22 0:50 / /run/netns/cni-1 rw - nsfs nsfs rw',
    '91 22 0:51 / /var/lib/tpo-node/kubelet/pods/x/volumes/a\\040b rw - tmpfs tmpfs rw',
    '92 22 0:52 / /var/lib/tpo-node/kubelet rw - tmpfs tmpfs rw',
    '93 22 0:53 / /var/lib/tpo-node-other rw - tmpfs tmpfs rw',
  ].join('\n');
  expect(mountsBelow(info, ['/var/lib/tpo-node', '/run/netns'])).toEqual([
    '/var/lib/tpo-node/kubelet/pods/x/volumes/a b', '/var/lib/tpo-node/kubelet', '/run/netns/cni-1',
  ]);
});

test('savedTables and sysctlPath', () => {
  expect(savedTables('# Generated\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n*nat\nCOMMIT\n')).toEqual(['filter', 'nat']);
  expect(sysctlPath('net.ipv4.ip_forward')).toBe('/proc/sys/net/ipv4/ip_forward');
});
