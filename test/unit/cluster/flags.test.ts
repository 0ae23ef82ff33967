import { apiServerArgs, controllerManagerArgs, etcdArgs, kwokArgs, type Ports, schedulerArgs } from '../../cluster/flags.ts';
import { clusterLayout } from '../../cluster/layout.ts';

const layout = clusterLayout('/x/.cluster');
const ports: Ports = { etcdClient: 1001, etcdPeer: 1002, apiServer: 1003, controllerManager: 1004, scheduler: 1005 };
const all = { etcd: etcdArgs(layout, ports), apiServer: apiServerArgs(layout, ports), kcm: controllerManagerArgs(layout, ports),
  scheduler: schedulerArgs(layout, ports), kwok: kwokArgs(layout) };

function flag(args: string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

test.each(Object.entries(all))('%s: every address in its flags is loopback or the real node range', (_name, args) => {
  for (const arg of args) {
    for (const ip of arg.match(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g) ?? []) expect(ip).toMatch(/^(127\.|198\.1[89]\.)/);
  }
});

test('every listener binds loopback; only the Service range is in 198.18.0.0/15', () => {
  for (const args of Object.values(all)) expect(args.filter((a) => /198\.1[89]\./.test(a))).toEqual(args === all.apiServer ? ['--service-cluster-ip-range=198.18.128.0/17'] : []);
});

test('the API server: RBAC, no endpoint reconciler, loopback advertise address and service range', () => {
  expect(flag(all.apiServer, 'authorization-mode')).toBe('Node,RBAC');
  expect(flag(all.apiServer, 'endpoint-reconciler-type')).toBe('none');
  expect(flag(all.apiServer, 'bind-address')).toBe('127.0.0.1');
  expect(flag(all.apiServer, 'advertise-address')).toBe('127.0.0.1');
  expect(flag(all.apiServer, 'secure-port')).toBe('1003');
  expect(flag(all.apiServer, 'etcd-servers')).toBe('http://127.0.0.1:1001');
  expect(flag(all.apiServer, 'service-account-signing-key-file')).toBe('/x/.cluster/pki/sa.key');
});

test('controller manager and scheduler serve health on loopback, without leader election', () => {
  expect(flag(all.kcm, 'bind-address')).toBe('127.0.0.1');
  expect(flag(all.kcm, 'secure-port')).toBe('1004');
  expect(flag(all.kcm, 'leader-elect')).toBe('false');
  expect(flag(all.kcm, 'controllers')?.split(',')).toEqual(
    expect.arrayContaining(['garbage-collector-controller', 'deployment-controller', 'replicaset-controller']));
  expect(flag(all.scheduler, 'bind-address')).toBe('127.0.0.1');
  expect(flag(all.scheduler, 'secure-port')).toBe('1005');
});

test('KWOK hands out loopback pod IPs and keeps its kubelet server off', () => {
  expect(flag(all.kwok, 'cidr')).toBe('127.1.0.0/16');
  expect(flag(all.kwok, 'node-ip')).toBe('127.0.0.1');
  expect(flag(all.kwok, 'node-port')).toBe('0');
  expect(flag(all.kwok, 'manage-all-nodes')).toBe('false');
});
